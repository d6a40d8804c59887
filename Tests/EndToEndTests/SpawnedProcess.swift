import Foundation
import Glibc

/// A child process run with posix_spawn and reaped with wait4, for what Foundation's Process
/// does not tell: whether a signal ended it, and its peak resident memory. Output goes to files
/// (no pipe to drain); standard input is a pipe the test may hold open, so that a child that
/// reads it blocks as it would on a terminal.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    private let outPath: String
    private let errPath: String
    private var stdinWriter: Int32

    struct Ending {
        /// The exit status, nil when a signal ended the process.
        var status: Int32?
        /// The signal that ended it, if one did.
        var signal: Int32?
        var stdout: String
        var stderr: String
        /// Peak resident set size, KiB.
        var maxRSSKiB: Int
    }

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         directory: URL? = nil) throws {
        let dir = try Binary.temporaryDirectory()
        outPath = dir.appendingPathComponent("stdout").path
        errPath = dir.appendingPathComponent("stderr").path
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EIO) }
        stdinWriter = fds[1]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal dispositions and nothing blocked, as from a shell.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        // `env -C DIR` changes directory (glibc's addchdir_np is not visible to Swift); env
        // execs the program, so the pid, signals and usage are still the program's.
        let command = directory.map { ["/usr/bin/env", "-C", $0.path, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        pid = child
    }

    /// Closes the child's standard input (end of input).
    func closeInput() {
        if stdinWriter >= 0 { close(stdinWriter) }
        stdinWriter = -1
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// What the child has written to stdout so far.
    var stdoutSoFar: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits until `text` shows on stdout (polling; false after `limit` seconds).
    func waitForOutput(_ text: String, limit: TimeInterval = 30) -> Bool {
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            if stdoutSoFar.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Reaps the child; after `limit` seconds it is killed (and the ending says SIGKILL).
    func wait(limit: TimeInterval = 60) -> Ending {
        let end = Date().addingTimeInterval(limit)
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date() > end {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                break
            }
            usleep(10_000)
        }
        closeInput()
        let exited = (status & 0x7f) == 0
        return Ending(status: exited ? (status >> 8) & 0xff : nil,
                      signal: exited ? nil : status & 0x7f,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                      maxRSSKiB: Int(usage.ru_maxrss))
    }

    /// Runs to the end with input closed at once.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    directory: URL? = nil, limit: TimeInterval = 60) throws -> Ending {
        let p = try SpawnedProcess(executable, arguments, environment: environment, directory: directory)
        p.closeInput()
        return p.wait(limit: limit)
    }
}
