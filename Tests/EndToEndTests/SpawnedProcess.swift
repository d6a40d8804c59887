import Foundation
import Glibc

/// A child process run with posix_spawn and reaped with wait4, for what Foundation's Process
/// does not tell: whether a signal ended it, and its peak resident memory. Output goes to files
/// (no pipe to drain); standard input is a pipe the test may hold open, so that a child that
/// reads it blocks as it would on a terminal. The waits are async and hold no thread of the
/// cooperative pool (docs/testing.md); the blocking forms are kept for old callers.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    private let outPath: String
    private let errPath: String
    private let stdinWriter: LockedValue<Int32>
    private let reaper: ChildReaper

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
        let outPath = dir.appendingPathComponent("stdout").path
        let errPath = dir.appendingPathComponent("stderr").path
        self.outPath = outPath
        self.errPath = errPath
        let input = try Spawn.pipe()
        do {
            pid = try Spawn.start(executable, arguments, environment: environment, directory: directory) { actions in
                posix_spawn_file_actions_adddup2(&actions, input.read, 0)
                posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        } catch {
            close(input.read)
            close(input.write)
            throw error
        }
        close(input.read)
        stdinWriter = LockedValue(input.write)
        reaper = ChildReaper(pid: pid)
    }

    deinit { closeInput() }

    /// Closes the child's standard input (end of input).
    func closeInput() {
        stdinWriter.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// What the child has written to stdout so far.
    var stdoutSoFar: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits until `text` shows on stdout (polling, the task suspended between looks; false
    /// after `limit` seconds).
    /// A last look is taken after the limit: a task that resumes late (its pool busy with other
    /// suites' work) must not report as missing what the child wrote in time (docs/testing.md).
    func waitForOutput(_ text: String, limit: TimeInterval = 30) async -> Bool {
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            if stdoutSoFar.contains(text) { return true }
            if reaper.ending.current != nil { return stdoutSoFar.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return stdoutSoFar.contains(text)
    }

    /// Awaits the child's end; after `limit` seconds it is killed (and the ending says SIGKILL).
    func wait(limit: TimeInterval = 60) async -> Ending {
        let (status, _) = await reaper.ending(within: limit)
        return ending(status)
    }

    /// Runs to the end with input closed at once.
    ///
    /// `measuringPeakMemory`: the child's own `wait4` figure is no use from a large parent, since
    /// posix_spawn's vfork-style child carries the parent's peak into the exec'd program's
    /// accounting. GNU time forks the program from a small process, so its `%M` is the
    /// program's own peak; the ending's status then is time's (the program's, or 128 + signal).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    directory: URL? = nil, limit: TimeInterval = 60,
                    measuringPeakMemory: Bool = false) async throws -> Ending {
        try await ChildSlots.withSlot {
            guard measuringPeakMemory else {
                let p = try SpawnedProcess(executable, arguments, environment: environment, directory: directory)
                p.closeInput()
                return await p.wait(limit: limit)
            }
            let report = try Binary.temporaryDirectory().appendingPathComponent("rusage").path
            let p = try SpawnedProcess("/usr/bin/time", ["-f", "%M", "-o", report, executable] + arguments,
                                       environment: environment, directory: directory)
            p.closeInput()
            var end = await p.wait(limit: limit)
            let lines = ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "").split(separator: "\n")
            end.maxRSSKiB = lines.last.flatMap { Int($0) } ?? Int.max
            return end
        }
    }

    private func ending(_ status: ChildStatus) -> Ending {
        closeInput()
        return Ending(status: status.exitStatus, signal: status.signal,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                      maxRSSKiB: status.maxRSSKiB)
    }


}
