import B24
import B24Lua
import B24Run
import Foundation
import LuaHost
import Testing

/// The production wiring as the binary uses it: flags and environment → portal settings →
/// client → `b24` module in a Lua state. Tests that need a run reuse this instead of building
/// their own client and module.
@Suite struct PortalWiringTests {
    /// An environment with no config file, so nothing of the machine's leaks in.
    let environment: [String: String] = ["HOME": "/nonexistent-b24lua-home", "XDG_CONFIG_HOME": "/nonexistent-b24lua-config"]

    func flags(_ arguments: [String]) throws -> B24Flags {
        try B24Flags.read(arguments)
    }

    @Test func flagsWinOverTheEnvironment() throws {
        var env = environment
        env["B24_WEBHOOK_URL"] = "https://env.example/rest/1/envcode/"
        let fromFlag = try PortalSettings.resolve(try flags(["--webhook", "https://flag.example/rest/1/code/"]), environment: env)
        guard case .webhook(let url) = fromFlag.target else { Issue.record("not a webhook"); return }
        #expect(url == "https://flag.example/rest/1/code/")
        let fromEnv = try PortalSettings.resolve(B24Flags.none, environment: env)
        guard case .webhook(let envURL) = fromEnv.target else { Issue.record("not a webhook"); return }
        #expect(envURL == "https://env.example/rest/1/envcode/")
        guard case .sandbox(nil) = try PortalSettings.resolve(try flags(["--sandbox"]), environment: env).target else {
            Issue.record("--sandbox did not win")
            return
        }
    }

    @Test func conflictingSourcesAreConfigErrors() throws {
        let both = try flags(["--webhook", "https://a.example/rest/1/x/", "--webhook-file", "/dev/null"])
        #expect(throws: B24Error.self) { try PortalSettings.resolve(both, environment: environment) }
        var env = environment
        env["B24_WEBHOOK_URL"] = "https://a.example/rest/1/x/"
        env["B24_WEBHOOK_FILE"] = "/dev/null"
        #expect(throws: B24Error.self) { try PortalSettings.resolve(B24Flags.none, environment: env) }
    }

    @Test func noPortalStillRunsLuaAndB24CallsRaiseConfigError() async throws {
        nonisolated(unsafe) let session = try B24Session(flags: B24Flags.none, environment: environment)
        #expect(session.connection.client == nil && session.connection.unavailable?.code == "CONFIG_ERROR")
        let out = try await onLuaThread { () throws -> [String] in
            let lua = try LuaState()
            try session.install(in: lua, scriptDirectory: nil)
            return try run(lua, "local ok, e = pcall(b24.call, 'user.current'); return tostring(1 + 1), e.code")
        }
        #expect(out == ["2", "CONFIG_ERROR"])
        _ = try await onLuaThread { session.finish(.success) }
    }

    @Test func sandboxRunEndToEndInProcess() async throws {
        nonisolated(unsafe) let session = try B24Session(flags: try flags(["--sandbox", "--dry-run"]), environment: environment)
        #expect(session.connection.sandbox != nil && session.connection.host == session.connection.sandbox?.portalHost)
        let out = try await onLuaThread { () throws -> [String] in
            let lua = try LuaState()
            try session.install(in: lua, scriptDirectory: nil)
            return try run(lua, """
                local chat = b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503}
                return tostring(chat), tostring(b24.dry_run)
                """)
        }
        #expect(out == ["1763", "true"])
        // Dry run: planned, not sent.
        #expect(session.module.dryRun?.plannedWrites.count == 1)
        #expect(session.connection.sandbox?.members(ofChat: 1763)?.contains(503) == true)
        // finish shuts the client down, waiting for it as the binary's main thread does: not on
        // a thread of the pool, which that shutdown needs (docs/testing.md).
        #expect(try await onLuaThread { session.finish(.success) } == .success)
    }

    /// Runs `code` and returns its results as strings.
    func run(_ lua: LuaState, _ code: String) throws -> [String] {
        let s = lua.main
        let base = s.top
        defer { s.top = base }
        try s.load(code, chunkName: "=test")
        try s.call()
        return (base + 1..<s.top + 1).map { s.string(at: $0) ?? s.typeName(at: $0) }
    }

    /// Lua runs on a thread of its own: a `b24` call blocks its thread while the client works on
    /// Swift's cooperative pool (docs/lua-host.md).
    func onLuaThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }
}

/// The portal a journal names is decided once (`PortalConnection.journalName`): a run, `--resume`
/// and undo write and match the same name, also when no portal is configured.
@Suite struct JournalNameTests {
    @Test func aConnectionWithoutAPortalNamesTheOneDefault() {
        let none = PortalConnection(client: nil, sandbox: nil, unavailable: .configError("no portal configured"))
        #expect(none.journalName == PortalConnection.unnamed)
        #expect(!PortalConnection.unnamed.isEmpty, "an empty name would print as nothing in undo's reports")
        let named = PortalConnection(client: nil, sandbox: nil, unavailable: nil, identity: "https://a.example:443")
        #expect(named.journalName == "https://a.example:443")
    }
}
