import Foundation
import Glibc
import LuaHost
import Testing

/// --safe opens a file only if the object finally opened lies below an allowed directory
/// (docs/lua-host.md, "--safe: running a script someone else wrote"): links, `..` and hard
/// links tried the way a hostile snippet shipped as a tarball would. Each test runs with the
/// kernel's openat2 and with the component-by-component walk used where it is missing.
@Suite struct SafeFileTests {
    let root: String, job: String, out: String, outside: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-safe-\(UUID().uuidString)").path
        job = root + "/job"
        out = root + "/out"
        outside = root + "/outside"
        let fm = FileManager.default
        for d in [job + "/sub", out, outside + "/dir"] { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "inside".write(toFile: job + "/inside.txt", atomically: false, encoding: .utf8)
        try "data".write(toFile: job + "/sub/data.txt", atomically: false, encoding: .utf8)
        try "top secret".write(toFile: outside + "/secret.txt", atomically: false, encoding: .utf8)
        try "deep secret".write(toFile: outside + "/dir/deep.txt", atomically: false, encoding: .utf8)
        try "victim".write(toFile: outside + "/victim.txt", atomically: false, encoding: .utf8)
        try "one".write(toFile: out + "/single.txt", atomically: false, encoding: .utf8)
        try fm.linkItem(atPath: outside + "/victim.txt", toPath: out + "/hard.txt")
        try fm.createSymbolicLink(atPath: job + "/link-out", withDestinationPath: outside + "/secret.txt")
        try fm.createSymbolicLink(atPath: job + "/link-up", withDestinationPath: "../outside/secret.txt")
        try fm.createSymbolicLink(atPath: job + "/link-proc", withDestinationPath: "/proc/self/environ")
        try fm.createSymbolicLink(atPath: job + "/linkdir", withDestinationPath: outside + "/dir")
        try fm.createSymbolicLink(atPath: job + "/linkdir-rel", withDestinationPath: "../outside/dir")
        try fm.createSymbolicLink(atPath: job + "/alias.txt", withDestinationPath: "sub/data.txt")
        try fm.createSymbolicLink(atPath: out + "/dangling-abs", withDestinationPath: outside + "/created-abs.txt")
        try fm.createSymbolicLink(atPath: out + "/dangling-rel", withDestinationPath: "../outside/created-rel.txt")
        try fm.createSymbolicLink(atPath: out + "/dangling-in", withDestinationPath: "made-through-link.txt")
        #expect(mkfifo(job + "/fifo", 0o600) == 0)
    }

    func policy(_ walkOnly: Bool) -> FileAccessPolicy {
        FileAccessPolicy(readable: [job], writable: [out], walkOnly: walkOnly)
    }

    /// The file's text when `policy` opens it, or the refusal.
    func read(_ p: FileAccessPolicy, _ path: String, mode: String = "r") -> Result<String, Refused> {
        Result { () throws(Refused) in try p.open(path, mode: FileOpenMode(mode)!).get() }.map { fd in
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = Glibc.read(fd, &buffer, buffer.count)
            return String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self)
        }
    }

    func refused(_ r: Result<String, Refused>) -> FileRefusal? {
        if case .failure(let e) = r { return e.refusal }
        return nil
    }

    @Test(arguments: [false, true])
    func linksAndDotDotNeverLeadOut(_ walkOnly: Bool) {
        let p = policy(walkOnly)
        for path in [job + "/link-out", job + "/link-up", job + "/link-proc", job + "/linkdir/deep.txt",
                     job + "/linkdir-rel/deep.txt", job + "/sub/../../outside/secret.txt", job + "/../outside/secret.txt",
                     outside + "/secret.txt", "/proc/self/environ", "/etc/passwd", job + "/linkdir/../secret.txt"] {
            let r = read(p, path)
            #expect(refused(r)?.byPolicy == true, "\(path): \(r)")
        }
    }

    @Test(arguments: [false, true])
    func whatLiesBelowStillOpens(_ walkOnly: Bool) throws {
        let p = policy(walkOnly)
        #expect(try read(p, job + "/inside.txt").get() == "inside")
        #expect(try read(p, job + "/sub/../inside.txt").get() == "inside")
        #expect(try read(p, job + "/./sub/data.txt").get() == "data")
        #expect(try read(p, job + "/alias.txt").get() == "data", "a link that stays inside is followed")
        #expect(try read(p, out + "/single.txt").get() == "one", "--allow-write is readable too")
        #expect(try read(p, out + "/hard.txt").get() == "victim", "a hard link is read: it is in the directory")
    }

    @Test(arguments: [false, true])
    func aHardLinkIsNeverWritten(_ walkOnly: Bool) throws {
        let p = policy(walkOnly)
        for mode in ["w", "a", "r+", "w+", "a+"] {
            let r = read(p, out + "/hard.txt", mode: mode)
            #expect(refused(r)?.message.contains("other hard links") == true, "\(mode): \(r)")
        }
        #expect(try String(contentsOfFile: outside + "/victim.txt", encoding: .utf8) == "victim", "not truncated")
    }

    @Test(arguments: [false, true])
    func noFileIsCreatedThroughALink(_ walkOnly: Bool) throws {
        let p = policy(walkOnly)
        for name in ["dangling-abs", "dangling-rel", "dangling-in"] {
            for mode in ["w", "a", "w+", "a+"] {
                #expect(refused(read(p, out + "/" + name, mode: mode))?.byPolicy == true, "\(name) \(mode)")
            }
        }
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: outside + "/created-abs.txt"))
        #expect(!fm.fileExists(atPath: outside + "/created-rel.txt"))
        #expect(!fm.fileExists(atPath: out + "/made-through-link.txt"))
    }

    @Test(arguments: [false, true])
    func writingBelowAllowWriteWorks(_ walkOnly: Bool) throws {
        let p = policy(walkOnly)
        let fd = try p.open(out + "/new.txt", mode: FileOpenMode("w")!).get()
        #expect(write(fd, "made", 4) == 4)
        close(fd)
        let append = try p.open(out + "/single.txt", mode: FileOpenMode("a")!).get()
        #expect(write(append, "+", 1) == 1)
        close(append)
        #expect(try String(contentsOfFile: out + "/new.txt", encoding: .utf8) == "made")
        #expect(try String(contentsOfFile: out + "/single.txt", encoding: .utf8) == "one+")
        let truncate = try p.open(out + "/single.txt", mode: FileOpenMode("w")!).get()
        close(truncate)
        #expect(try String(contentsOfFile: out + "/single.txt", encoding: .utf8) == "")
        #expect(refused(read(p, job + "/inside.txt", mode: "a"))?.message.contains("--allow-write") == true)
        #expect(refused(read(p, job + "/new.txt", mode: "w"))?.byPolicy == true)
        #expect(!FileManager.default.fileExists(atPath: job + "/new.txt"))
    }

    @Test(arguments: [false, true])
    func specialFilesAreRefusedWithoutWaiting(_ walkOnly: Bool) {
        let p = policy(walkOnly)
        #expect(refused(read(p, job + "/fifo"))?.message.contains("not a regular file") == true)
        #expect(refused(read(p, out + "/missing.txt"))?.message == out + "/missing.txt: No such file or directory")
    }

    @Test func relativePathsAreTakenFromTheWorkingDirectory() {
        // The working directory is not the test's to change: a policy that allows it instead.
        let cwd = FileManager.default.currentDirectoryPath
        let p = FileAccessPolicy(readable: [cwd], writable: [])
        let name = "b24lua-safe-probe-\(UUID().uuidString)"
        #expect(refused(read(p, name))?.message == "\(name): No such file or directory")
        #expect(refused(read(p, "../" + name))?.byPolicy == true || cwd == "/")
    }

    @Test func directoriesUnderProcSysOrDevAreNeverAllowed() {
        let p = FileAccessPolicy(readable: ["/proc/self", "/dev", "/sys"], writable: ["/dev/shm"])
        #expect(p.readableDirectories.isEmpty && p.writableDirectories.isEmpty)
        #expect(refused(read(p, "/proc/self/environ"))?.message.contains("/proc, /sys or /dev") == true)
    }
}

/// A refusal as a test's thrown error (`FileOpening` is a value: io.open returns it to the script).
struct Refused: Error {
    let refusal: FileRefusal
}

extension FileOpening {
    func get() throws(Refused) -> Int32 {
        switch self {
        case .opened(let fd): fd
        case .refused(let r): throw Refused(refusal: r)
        }
    }
}
