import B24
import Foundation
import Glibc
import Testing

/// Another process holds the shared limit file's lock and is stopped (SIGSTOP, a debugger, a
/// laptop lid): the b24lua processes of that portal wait for the lock a bounded time, then keep
/// their own limit; Ctrl-C and `--timeout` end them while they wait (docs/shared-limit.md,
/// "The protocol"). The holder is a real second process on the real file.
@Suite(.serialized) struct LimitLockTests {
    let dir: URL
    init() throws { dir = try Binary.temporaryDirectory() }

    var environment: [String: String] { ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path] }

    /// The plan the runs use: a rate, so that the limit is shared, and room enough that the
    /// bucket itself never waits.
    static let plan = "1000/1000"

    /// The file the runs share for `sandbox`: the binary's own choice (SharedLimitFile.defaultPath).
    func limitPath(_ sandbox: LiveSandbox) -> String {
        let origin = sandbox.webhookURL.components(separatedBy: "/rest/").first ?? ""
        return SharedLimitFile.defaultPath(host: origin, plan: .custom(rate: 1000, burst: 1000),
                                           environment: environment)?.path ?? ""
    }

    /// python3 holding an open-file-description write lock (F_OFD_SETLKW, as b24lua takes it) on
    /// the whole file, then stopped with SIGSTOP: it never lets go until it is killed.
    final class StoppedLockHolder: @unchecked Sendable {
        let process: SpawnedProcess

        static let script = """
            import fcntl, os, struct, sys, time
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
            # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for an OFD lock)
            fcntl.fcntl(fd, 38, struct.pack("hhxxxxqqixxxx", fcntl.F_WRLCK, 0, 0, 0, 0))
            print("held", flush=True)
            time.sleep(3600)
            """

        init(path: String) async throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            process = try SpawnedProcess("/usr/bin/env", ["python3", "-c", Self.script, path])
            #expect(await process.waitForOutput("held"), "the holder took the lock")
            process.send(SIGSTOP)
        }

        deinit { process.send(SIGKILL) }

        func release() async {
            process.send(SIGKILL)
            _ = await process.wait(limit: 10)
        }
    }

    @Test func aStoppedHolderDoesNotStopTheScript() async throws {
        let sandbox = try await LiveSandbox.start()
        let holder = try await StoppedLockHolder(path: limitPath(sandbox))
        let r = try await Binary.b24luaAsync(
            ["--webhook", sandbox.webhookURL, "--plan", Self.plan, "-e",
             "for i = 1, 20 do b24.call('user.current') end print('done')"],
            environment: environment, timeout: 60)
        await holder.release()
        #expect(r.status == 0 && r.stdout == "done\n", "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "is locked").count - 1 == 1, "one warning: \(r.stderr)")
        #expect(!r.stderr.contains(sandbox.webhookURL))
        await sandbox.stop()
    }

    /// The run that started `b24.each` while the holder holds the lock, and the signal it gets.
    func stopDuringEach(_ sandbox: LiveSandbox, extra: [String] = [], signal: Int32?) async throws -> SpawnedProcess.Ending {
        let holder = try await StoppedLockHolder(path: limitPath(sandbox))
        let script = """
            local items = {}
            for i = 1, 400 do items[i] = i end
            print('ready') io.stdout:flush()
            b24.each(items, function(i) b24.call('user.current') end)
            print('finished')
            """
        let p = try SpawnedProcess(Binary.b24lua, ["--webhook", sandbox.webhookURL, "--plan", Self.plan] + extra
                                   + ["-e", script], environment: environment)
        #expect(await p.waitForOutput("ready"))
        if let signal {
            try await Task.sleep(for: .milliseconds(300))
            p.send(signal)
        }
        // A bound on a hang, far above the few seconds the stop takes.
        let end = await p.wait(limit: 45)
        await holder.release()
        return end
    }

    @Test func ctrlCDuringEachEndsTheRunWith130() async throws {
        let sandbox = try await LiveSandbox.start()
        let end = try await stopDuringEach(sandbox, signal: SIGINT)
        #expect(end.status == 130, "signal \(end.signal.map(String.init) ?? "none"): \(end.stderr)")
        #expect(!end.stdout.contains("finished"))
        await sandbox.stop()
    }

    /// A stop while one `b24.call` waits for the lock is honoured by the call itself, at once:
    /// not by the watchdog that ends a process whose script did not stop (which exits with the
    /// same status), and not after the lock's 3 s patience ran out.
    @Test(arguments: ["Ctrl-C", "--timeout"])
    func aStopWhileACallWaitsForTheLockIsHonoured(_ how: String) async throws {
        let sandbox = try await LiveSandbox.start()
        let holder = try await StoppedLockHolder(path: limitPath(sandbox))
        let extra = how == "--timeout" ? ["--timeout", "1"] : []
        let p = try SpawnedProcess(Binary.b24lua, ["--webhook", sandbox.webhookURL, "--plan", Self.plan] + extra
                                   + ["-e", "print('ready') io.stdout:flush() b24.call('user.current') print('sent')"],
                                   environment: environment)
        #expect(await p.waitForOutput("ready"))
        if how == "Ctrl-C" {
            try await Task.sleep(for: .milliseconds(300))
            p.send(SIGINT)
        }
        let end = await p.wait(limit: 45)
        await holder.release()
        #expect(end.status == (how == "Ctrl-C" ? 130 : 124), "\(end.stderr)")
        #expect(!end.stdout.contains("sent"))
        #expect(!end.stderr.contains("grace period"), "the call did not stop: \(end.stderr)")
        #expect(!end.stderr.contains("is locked"), "the wait ran its course: \(end.stderr)")
        await sandbox.stop()
    }

    @Test func timeoutDuringEachEndsTheRunWith124() async throws {
        let sandbox = try await LiveSandbox.start()
        let end = try await stopDuringEach(sandbox, extra: ["--timeout", "1"], signal: nil)
        #expect(end.status == 124, "signal \(end.signal.map(String.init) ?? "none"): \(end.stderr)")
        await sandbox.stop()
    }
}
