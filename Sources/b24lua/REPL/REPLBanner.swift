import B24Run
import LuaHost

/// The first line of a session: version, where `b24` talks to, and whether writes are real.
enum REPLBanner {
    static func text(in stack: LuaStack, withVersion: Bool) -> String {
        var parts: [String] = []
        // After `-i` the version line is already printed, as lua.c does.
        parts.append(withVersion ? "b24lua \(B24LuaVersion.string) (\(LuaState.luaRelease))" : "b24lua REPL")
        parts.append(target(in: stack))
        return parts.joined(separator: " — ") + "\nType :help for help, :quit or Ctrl-D to leave."
    }

    /// "sandbox", "portal example.bitrix24.ru", "... (dry-run)", or "no portal" without `b24`.
    static func target(in stack: LuaStack) -> String {
        let top = stack.top
        defer { stack.top = top }
        guard stack.reserve(4), stack.getGlobal("b24") == .table else { return "no portal" }
        let b24 = stack.absolute(-1)
        stack.rawGet(b24, key: "sandbox")
        let sandbox = stack.bool(at: -1)
        stack.rawGet(b24, key: "dry_run")
        let dryRun = stack.bool(at: -1)
        stack.rawGet(b24, key: "portal")
        let portal = stack.string(at: -1)
        var text = sandbox ? "sandbox" : portal.map { "portal \($0)" } ?? "no portal"
        if dryRun { text += " (dry-run)" }
        return text
    }
}
