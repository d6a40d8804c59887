import B24
@testable import B24Lua
import B24Sandbox
import Foundation
import LuaHost

/// The `b24` module over the real sandbox in-process (no socket), with Lua on a thread of its
/// own as in the binary: a `b24` call blocks that thread, which runs the client's work itself
/// (`ThreadExecutor`).
struct InProcessModule: @unchecked Sendable {
    let portal = SandboxPortal(options: .unlimited)
    let module: B24Module
    let lua: LuaState

    /// `sandboxViews`: with `b24.sandbox` (members, state), as under `--sandbox`.
    init(dryRun: Bool = false, sandboxViews: Bool = false) throws {
        let hook = portal.defaultWebhook
        let client = B24Client(portal: try PortalConfig.webhook("https://sandbox.example/rest/\(hook.user)/\(hook.code)/"),
                               transport: InProcessTransport(handler: portal), plan: .unlimited)
        var config = B24ModuleConfiguration(client: client, portalHost: portal.portalHost)
        config.dryRun = dryRun
        if sandboxViews {
            let portal = portal
            config.sandbox = SandboxAccess(members: { portal.members(ofChat: $0) }, state: { portal.stateJSON() })
        }
        module = B24Module(configuration: config)
        lua = try LuaState()
        try module.install(in: lua.main)
    }

    /// Runs `code` on a thread of its own and returns its results copied out.
    func run(_ code: String) async throws -> [LuaValue] {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try runHere(code) }) }.start()
        }
    }

    /// Runs `code` on the calling thread (one that may block).
    func runHere(_ code: String) throws -> [LuaValue] {
        let s = lua.main
        let base = s.top
        try s.load(code, chunkName: "=test")
        try s.call()
        defer { s.top = base }
        return try (base + 1..<s.top + 1).map { try s.value(at: $0) }
    }
}
