import B24
import B24Lua
import Foundation
import LuaHost

/// One run's link between the Lua state and a portal: the connection, the `b24` module, the
/// journal, and the run limits (--safe, --timeout, --max-memory).
public final class B24Session {
    public let flags: B24Flags
    public let connection: PortalConnection
    public let module: B24Module

    public init(flags: B24Flags, environment: [String: String]) throws(B24Error) {
        self.flags = flags
        let settings = try PortalSettings.resolve(flags, environment: environment)
        if flags.saveState != nil {
            guard case .sandbox = settings.target else {
                throw .configError("--save-state keeps the sandbox's state: it goes with --sandbox[=FILE.json]")
            }
        }
        connection = try PortalConnection.open(settings, verbose: flags.verbose || environment["B24LUA_LOG"] == "debug",
                                               sharedLimit: !flags.noSharedLimit)
        var config = B24ModuleConfiguration(client: connection.client, unavailable: connection.unavailable,
                                            portalHost: connection.host)
        config.dryRun = flags.dryRun
        config.assumeYes = flags.yes
        config.progress = !flags.quiet && isatty(STDERR_FILENO) != 0
        config.interactive = isatty(STDIN_FILENO) != 0 && isatty(STDERR_FILENO) != 0
        if let sandbox = connection.sandbox {
            config.sandbox = SandboxAccess(members: { sandbox.members(ofChat: $0) }, state: { sandbox.stateJSON() })
        }
        if let path = flags.journal ?? environment["B24LUA_JOURNAL"], !path.isEmpty, !flags.dryRun {
            do {
                config.journal = try Journal(path: path, portal: connection.host ?? "none")
            } catch {
                connection.shutdown()  // the HTTP client must be shut down before it is dropped
                throw error
            }
        }
        module = B24Module(configuration: config)
    }

    /// Makes `b24` available, then applies --safe (reading below `scriptDirectory` too),
    /// --max-memory and --timeout.
    public func install(in lua: LuaState, scriptDirectory: String?) throws(LuaError) {
        try module.install(in: lua.main)
        if flags.safe {
            let policy = FileAccessPolicy(readable: (scriptDirectory.map { [$0] } ?? []) + flags.allowRead,
                                          writable: flags.allowWrite)
            try lua.main.enterSafeMode(policy)
        }
        if let mb = flags.maxMemoryMB { lua.setMemoryLimit(bytes: lua.memoryUsed + Int(mb * 1_048_576)) }
        if let seconds = flags.timeout { LuaInterrupt.stop(after: seconds) }
    }

    /// After the script: the dry-run plan, the sandbox's state for `--save-state`, exit status
    /// 3 for failed `b24.each` items, and a clean shutdown of the client.
    public func finish(_ status: ExitStatus) -> ExitStatus {
        if flags.dryRun {
            FileHandle.standardError.write((module.planText() + "\n").data(using: .utf8)!)
        }
        var status = status
        if let path = flags.saveState, let sandbox = connection.sandbox {
            // Whatever the script's end: a failed rehearsal's state tells what it did before failing.
            do throws(B24Error) { try DataSetFile.write(sandbox.dataSetJSON(), to: path) } catch {
                FileHandle.standardError.write(Data("b24lua: --save-state: \(error.message)\n".utf8))
                if status == .success { status = .scriptError }
            }
        }
        connection.shutdown()
        if status == .success, let question = module.unansweredQuestion {
            let line = "b24lua: b24.confirm could not ask \"\(question.prefix(200))\": no terminal and no --yes, so it "
                + "answered no: exit status \(ExitStatus.confirmUnanswered.rawValue) (a job run without a terminal "
                + "answers with --yes)\n"
            FileHandle.standardError.write(Data(Redaction.redact(line).utf8))
            return .confirmUnanswered
        }
        if status == .success && module.eachHadFailures { return .itemsFailed }
        return status
    }
}
