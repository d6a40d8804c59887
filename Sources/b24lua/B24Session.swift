import B24
import B24Lua
import CLua
import Foundation
import LuaHost

/// One run's link between the Lua state and a portal: the connection, the `b24` module, the
/// journal, and the run limits (--safe, --timeout, --max-memory).
final class B24Session {
    let flags: B24Flags
    let connection: PortalConnection
    let module: B24Module

    init(flags: B24Flags, environment: [String: String]) throws(B24Error) {
        self.flags = flags
        let settings = try PortalSettings.resolve(flags, environment: environment)
        connection = try PortalConnection.open(settings, verbose: flags.verbose || environment["B24LUA_LOG"] == "debug")
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

    /// Makes `b24` available, then applies --safe, --max-memory and --timeout.
    func install(in lua: LuaState) throws(LuaError) {
        try module.install(in: lua.main)
        if flags.safe { restrict(lua.main) }
        if let mb = flags.maxMemoryMB { lua.setMemoryLimit(bytes: lua.memoryUsed + Int(mb * 1_048_576)) }
        if let seconds = flags.timeout { startTimer(seconds, lua.main) }
    }

    /// --safe: no way out of Lua (processes, C code, the debug library).
    private func restrict(_ s: LuaStack) {
        let removals: [(table: String, keys: [String])] = [
            ("os", ["execute", "getenv"]),  // getenv: the environment may hold tokens
            ("io", ["popen"]),
            ("package", ["loadlib"]),
        ]
        for (table, keys) in removals {
            guard s.getGlobal(table) == LUA_TTABLE else { s.pop(); continue }
            for k in keys { s.pushNil(); s.rawSet(-2, key: k) }
            s.pop()
        }
        if s.getGlobal("package") == LUA_TTABLE {
            s.push("")
            s.rawSet(-2, key: "cpath")
            if s.rawGet(-1, key: "searchers") == LUA_TTABLE {  // drop the C and all-in-one searchers
                s.pushNil(); s.rawSet(-2, key: 4)
                s.pushNil(); s.rawSet(-2, key: 3)
            }
            s.pop()
            if s.rawGet(-1, key: "loaded") == LUA_TTABLE { s.pushNil(); s.rawSet(-2, key: "debug") }
            s.pop()
        }
        s.pop()
        s.pushNil()
        s.setGlobal("debug")
    }

    private var timer: DispatchSourceTimer?

    private func startTimer(_ seconds: Double, _ s: LuaStack) {
        module.setDeadline(seconds: seconds)
        let t = DispatchSource.makeTimerSource(queue: .global())
        let L = s.L
        t.schedule(deadline: .now() + seconds)
        t.setEventHandler {
            LuaInterrupt.raiseTimeout(in: LuaStack(L))  // lua_sethook may be called asynchronously
        }
        t.resume()
        timer = t
    }

    /// After the script: the dry-run plan, exit status 3 for failed `b24.each` items, and a
    /// clean shutdown of the client.
    func finish(_ status: ExitStatus) -> ExitStatus {
        timer?.cancel()
        if flags.dryRun {
            FileHandle.standardError.write((module.planText() + "\n").data(using: .utf8)!)
        }
        connection.shutdown()
        if status == .success && module.eachHadFailures { return .itemsFailed }
        return status
    }
}
