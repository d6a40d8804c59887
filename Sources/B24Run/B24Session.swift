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
        connection = try PortalConnection.open(settings, verbose: flags.verbose || environment["B24LUA_LOG"] == "debug",
                                               sharedLimit: !flags.noSharedLimit, quiet: flags.quiet)
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

    /// After the script: the dry-run plan, exit status 3 for failed `b24.each` items, and a
    /// clean shutdown of the client.
    public func finish(_ status: ExitStatus) -> ExitStatus {
        if flags.dryRun {
            FileHandle.standardError.write((module.planText() + "\n").data(using: .utf8)!)
        }
        connection.shutdown()
        if status == .success && module.eachHadFailures { return .itemsFailed }
        return status
    }
}
