import B24
import B24Wire
import Foundation
import Synchronization
import Testing

/// The helpers that stand in for full Foundation's (Sources/B24/System; docs/performance.md,
/// "Size") give what Foundation gave, on the inputs that tell them apart.
@Suite struct SystemHelpersTests {
    @Test func theDirectoryOfAPathIsNSStringsExceptThatABareNameIsInTheCurrentOne() {
        let cases: [(String, String)] = [
            ("/a/b", "/a"), ("/a/b/", "/a"), ("/a//b", "/a"), ("/b", "/"), ("/", "/"), ("//", "/"),
            ("a/b", "a"), ("b", "."), ("", "."), ("./b", "."), ("/a/b.toml", "/a"),
        ]
        for (path, directory) in cases { #expect(FilePaths.directory(of: path) == directory, "\(path)") }
    }

    @Test func trimmingTakesEveryWhiteSpaceAtBothEndsAndNothingInside() {
        #expect(" \t a b \r\n".trimmingWhitespace() == "a b")
        #expect("\u{00A0}x\u{2003}".trimmingWhitespace() == "x")
        #expect(" \n\t ".trimmingWhitespace() == "")
        #expect("".trimmingWhitespace() == "")
        #expect("a\r\n".trimmingWhitespace() == "a")
        #expect(Substring("  é ").trimmingWhitespace() == "é")
    }

    @Test func paddingFillsOrCutsToTheWidthAsFoundationDid() {
        for (text, width) in [("ab", 5), ("abcdef", 3), ("", 2), ("abc", 3), ("abc", 0)] {
            let ours = text.paddedRight(to: width)
            #expect(ours == text.padding(toLength: width, withPad: " ", startingAt: 0), "\(text) \(width)")
        }
    }

    @Test func readingADescriptorToItsEndTakesEveryByteOfAFileBiggerThanOneRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = (0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = dir.appendingPathComponent("f")
        try Data(bytes).write(to: file)
        let fd = open(file.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(FileDescriptors.readToEnd(fd) == bytes)
        #expect(FileDescriptors.readToEnd(-1) == nil)
    }

    /// With a limit it stops once past it, even on a pipe whose writer never closes (a FIFO given
    /// as a webhook file): it returns more than the limit, which the caller reads as too long.
    @Test func aLimitStopsTheReadPastItWithoutWaitingForTheEnd() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let written = [UInt8](repeating: 0x61, count: 10_000)
        #expect(write(fds[1], written, written.count) == written.count)  // within the pipe's 64 KiB
        let got = try #require(FileDescriptors.readToEnd(fds[0], limit: 4096))
        #expect(got.count > 4096 && got.count <= 2 * 4097 && got.allSatisfy { $0 == 0x61 })
        // Within the limit, everything up to the end.
        var small: [Int32] = [0, 0]
        #expect(pipe(&small) == 0)
        defer { close(small[0]) }
        #expect(write(small[1], written, 100) == 100)
        close(small[1])
        #expect(FileDescriptors.readToEnd(small[0], limit: 4096) == Array(written.prefix(100)))
    }

    @Test func aConditionWaitEndsAtItsDeadlineAndASignalWakesAThread() async {
        let condition = ThreadCondition()
        condition.lock()
        #expect(condition.wait(until: .init(secondsFromNow: 0.01)) == false)
        condition.unlock()
        // Threads of their own wait and signal; this task waits for them without blocking the pool.
        let done = Done()
        let woke: Bool = await withCheckedContinuation { continuation in
            let started = SystemThread.start {
                condition.lock()
                let signalled = condition.wait(until: .init(secondsFromNow: 30))
                condition.unlock()
                done.flag.store(true, ordering: .releasing)
                continuation.resume(returning: signalled)
            }
            #expect(started)
            SystemThread.start {
                // Until the waiter is inside its wait a signal may find nobody: signal until it wakes.
                while !done.flag.load(ordering: .acquiring) {
                    condition.lock(); condition.signal(); condition.unlock()
                    usleep(1000)
                }
            }
        }
        #expect(woke)
    }

    final class Done: Sendable {
        let flag = Atomic<Bool>(false)
    }
}
