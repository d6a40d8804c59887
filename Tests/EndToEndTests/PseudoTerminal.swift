import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built `b24lua` running on a real pseudo-terminal, driven like a person at a keyboard:
/// keys go in through the master side, output is read back with bounded waits. The waits are
/// async: between looks at the terminal the test task is suspended, its pool thread free
/// (docs/testing.md); the blocking forms are kept for old callers. The 30 s bounds are for a
/// hang: the whole suite runs in parallel on a machine that may be busy with more.
final class PseudoTerminal {
    let pid: pid_t
    private let master: Int32
    private let reaper: ChildReaper
    /// Everything read so far, escape sequences and carriage returns removed.
    private(set) var transcript = ""
    /// The output as the terminal got it, control sequences and carriage returns included.
    private(set) var rawTranscript = ""
    /// Where the next `expect` starts looking.
    private var cursor: String.Index

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The binary SwiftPM built: `<package>/.build/debug/b24lua`, found from this file's path.
    static func binary(file: String = #filePath) throws -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // PseudoTerminal.swift, EndToEndTests, Tests
        let path = url.appendingPathComponent(".build/debug/b24lua").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) is missing: run `swift build` before these tests")
        }
        return path
    }

    /// Starts `arguments` in a new session whose controlling terminal is the pty, so Ctrl-C
    /// reaches it as SIGINT from the line discipline, as at a real terminal.
    init(_ arguments: [String], environment: [String: String]) throws {
        var master: Int32 = 0, slave: Int32 = 0
        var size = winsize(ws_row: 40, ws_col: 160, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw Failure(description: "openpty failed") }
        defer { close(slave) }
        // Children of terminals opened in parallel must not inherit this pair.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        // ttyname_r: ttyname's static buffer is shared by tests opening terminals in parallel.
        var nameBuffer = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &nameBuffer, nameBuffer.count) == 0 else { throw Failure(description: "ttyname_r failed") }
        let name = String(cString: nameBuffer)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID (not exported to Swift)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened by the new session leader without O_NOCTTY: it becomes the controlling tty.
        posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addclose(&actions, slave)
        Spawn.closeTheRest(&actions)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(master)
            throw Failure(description: "posix_spawn \(arguments[0]): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.master = master
        reaper = ChildReaper(pid: pid)
        cursor = transcript.startIndex
    }

    deinit {
        kill(pid, SIGKILL)  // the reaper's thread reaps it
        close(master)
    }

    func send(_ keys: String) {
        var bytes = Array(keys.utf8)
        while !bytes.isEmpty {
            let n = write(master, bytes, bytes.count)
            if n <= 0 { return }
            bytes.removeFirst(n)
        }
    }

    /// Waits until `text` appears after what earlier calls matched; returns the output up to
    /// and including it. Throws with the transcript when it does not come within `timeout`.
    @discardableResult
    func expect(_ text: String, timeout: Double = 30) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let range = transcript[cursor...].range(of: text) {
                let seen = String(transcript[cursor..<range.upperBound])
                cursor = range.upperBound
                return seen
            }
            guard deadline.timeIntervalSinceNow > 0 else {
                // A last look at what is there: a task that resumes late (its pool busy with
                // other suites' work) must not miss what the program wrote in time.
                if readSome(waitingAtMost: 0) { continue }
                throw Failure(description: "timed out waiting for \(text.debugDescription); output so far:\n\(transcript)")
            }
            await readOrPause()
        }
    }

    /// Waits until the program reads keys one by one (ICANON off). libedit switches the terminal
    /// to raw mode at its first key read, just after drawing the prompt; a Ctrl-D typed before
    /// that is dropped by the line discipline as it leaves canonical mode, so tests wait for it.
    /// (On Linux the master side reports the pair's terminal attributes.)
    func awaitLineEditing(timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var attributes = termios()
        while deadline.timeIntervalSinceNow > 0 {
            if tcgetattr(master, &attributes) == 0, attributes.c_lflag & tcflag_t(ICANON) == 0 { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
        if tcgetattr(master, &attributes) == 0, attributes.c_lflag & tcflag_t(ICANON) == 0 { return }  // a last look
        throw Failure(description: "the terminal never left canonical mode; output so far:\n\(transcript)")
    }

    /// Output that arrives within `seconds` (for asserting that something did not happen).
    func drain(for seconds: Double) async -> String {
        let deadline = Date().addingTimeInterval(seconds)
        let start = transcript.endIndex
        while deadline.timeIntervalSinceNow > 0 { await readOrPause() }
        cursor = transcript.endIndex
        return String(transcript[start...])
    }

    /// Waits for the child to exit, reading its output meanwhile; its exit status, nil if it
    /// is still running after `timeout` (or a signal ended it).
    func waitForExit(timeout: Double = 30) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            if let status = reaper.ending.current {
                while readSome(waitingAtMost: 0) {}
                return status.exitStatus
            }
            await readOrPause()
        }
        if let status = reaper.ending.current {  // a last look
            while readSome(waitingAtMost: 0) {}
            return status.exitStatus
        }
        return nil
    }

    /// Reads what is there, or else suspends the task for a moment.
    private func readOrPause() async {
        if !readSome(waitingAtMost: 0) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Reads what is available; false when nothing came in time or the child closed the pty.
    private func readSome(waitingAtMost seconds: Double) -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, seconds <= 0 ? 0 : Int32(max(1, min(seconds, 1) * 1000))) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buffer, buffer.count)
        guard n > 0 else { return false }
        let text = String(decoding: buffer[..<n], as: UTF8.self)
        rawTranscript += text
        transcript += Self.plain(text)
        return true
    }

    /// Drops terminal control: CSI sequences, carriage returns, bells.
    static func plain(_ text: String) -> String {
        var out = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            switch c {
            case "\u{1B}":
                guard let next = scalars.next(), next == "[" else { continue }
                while let s = scalars.next(), !(0x40...0x7E).contains(s.value) {}
            case "\r", "\u{07}": continue
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
