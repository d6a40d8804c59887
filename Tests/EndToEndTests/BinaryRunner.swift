import Foundation
import Glibc
import Testing

/// Runs the built `b24lua` binary (or any program) as a user would, with bounded waiting.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var b24lua: String {
        let path = packageRoot.appendingPathComponent(".build/debug/b24lua").path
        return path
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `executable` with `arguments` to its end, standard input `stdin` (then end of input);
    /// past `timeout` seconds it is sent SIGTERM (SIGKILL 5 s later) and the test fails. The test
    /// task is suspended meanwhile, its thread free for the rest of the run (docs/testing.md);
    /// at most `ChildSlots.shared` such children run at once.
    static func runAsync(_ executable: String, _ arguments: [String], stdin: String? = nil,
                         environment: [String: String] = [:], directory: URL? = nil,
                         timeout: TimeInterval = 60) async throws -> ProcessResult {
        try await ChildSlots.withSlot {
            let child = try PipedChild(executable, arguments, stdin: stdin, environment: environment,
                                       directory: directory)
            let (status, killed) = await child.reaper.ending(within: timeout, signal: SIGTERM)
            if killed { Issue.record("\(executable) \(arguments) did not finish in \(timeout) s") }
            return ProcessResult(status: status.exitStatus ?? status.signal ?? -1,
                                 stdout: await child.stdout.text(within: 5), stderr: await child.stderr.text(within: 5))
        }
    }

    /// `runAsync` of the built `b24lua`.
    static func b24luaAsync(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                            directory: URL? = nil, timeout: TimeInterval = 120) async throws -> ProcessResult {
        try await runAsync(b24lua, arguments, stdin: stdin, environment: environment, directory: directory,
                           timeout: timeout)
    }
}

/// A child whose standard streams are pipes: input written (then closed) and output read to
/// the end, each by a thread of its own; reaped by a `ChildReaper`.
struct PipedChild {
    let reaper: ChildReaper
    let stdout: DrainedOutput
    let stderr: DrainedOutput

    init(_ executable: String, _ arguments: [String], stdin: String?, environment: [String: String],
         directory: URL?) throws {
        let input = try Spawn.pipe(), output = try Spawn.pipe(), errors = try Spawn.pipe()
        let pid: pid_t
        do {
            pid = try Spawn.start(executable, arguments, environment: environment, directory: directory) { actions in
                posix_spawn_file_actions_adddup2(&actions, input.read, 0)
                posix_spawn_file_actions_adddup2(&actions, output.write, 1)
                posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
            }
        } catch {
            for fd in [input.read, input.write, output.read, output.write, errors.read, errors.write] { close(fd) }
            throw error
        }
        for fd in [input.read, output.write, errors.write] { close(fd) }
        reaper = ChildReaper(pid: pid)
        stdout = DrainedOutput(fd: output.read, name: "stdout \(pid)")
        stderr = DrainedOutput(fd: errors.read, name: "stderr \(pid)")
        Self.feed(Array((stdin ?? "").utf8), to: input.write)
    }

    /// Writes `bytes` and closes, on a thread of its own (a child that does not read must not
    /// hold anyone). SIGPIPE is blocked on that thread: a child gone early is EPIPE, not a signal.
    static func feed(_ bytes: [UInt8], to fd: Int32) {
        guard !bytes.isEmpty else {
            close(fd)
            return
        }
        let thread = Thread {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
            close(fd)
        }
        thread.stackSize = 64 << 10
        thread.start()
    }
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()
    func set(_ d: Data, isOut: Bool) {
        lock.lock(); defer { lock.unlock() }
        if isOut { outData = d } else { errData = d }
    }
    var out: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outData, as: UTF8.self) }
    var err: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errData, as: UTF8.self) }
}
