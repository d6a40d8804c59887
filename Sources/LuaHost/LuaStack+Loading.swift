import CLua
import CLuaSupport

extension LuaStack {
    /// Compiles `code` and pushes it as a function. `chunkName` follows Lua's convention:
    /// "@file.lua" for files, "=name" for literal names; messages then read "file.lua:12: …".
    public func load(_ code: [UInt8], chunkName: String, mode: String = "t") throws(LuaError) {
        b24lua_hold_collector(L)
        let status = code.withUnsafeBufferPointer { buf in
            luaL_loadbufferx(L, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                             buf.count, chunkName, mode)
        }
        if status != LUA_OK { throw popError(status) }
    }

    public func load(_ code: String, chunkName: String, mode: String = "t") throws(LuaError) {
        try load(Array(code.utf8), chunkName: chunkName, mode: mode)
    }

    /// Compiles a file (nil: standard input, named "=stdin") as `luaL_loadfile` does,
    /// skipping a first line that starts with '#'.
    public func loadFile(_ path: String?, mode: String = "bt") throws(LuaError) {
        b24lua_hold_collector(L)
        let status = luaL_loadfilex(L, path, mode)
        if status != LUA_OK { throw popError(status) }
    }

    /// Calls the function below its `nargs` arguments, protected, with the host's message
    /// handler. Results stay on the stack (all of them with `nresults: nil`).
    public func call(nargs: Int32 = 0, nresults: Int32? = nil) throws(LuaError) {
        let status = b24lua_pcall_traced(L, nargs, nresults ?? b24lua_multret())
        if status != LUA_OK { throw popError(status) }
    }

    /// As `call`, but a failure leaves the error value itself on top of the stack (the REPL
    /// keeps it in `_`) and returns it described; nil when the call succeeded.
    public func callKeepingError(nargs: Int32 = 0, nresults: Int32? = nil) -> LuaError? {
        let status = b24lua_pcall_traced(L, nargs, nresults ?? b24lua_multret())
        if status == LUA_OK { return nil }
        pushValue(at: -1)
        return popError(status)
    }

    /// Turns the error value on top into a `LuaError` and pops it.
    public func popError(_ status: Int32) -> LuaError {
        defer { pop() }
        let kind = LuaError.Status(status)
        if type(at: -1) == .string {
            return LuaError(status: kind, message: string(at: -1) ?? "")
        }
        let message = describe(at: -1)
        var traceback: String?
        if type(at: -1) == .table {
            if rawGet(-1, key: "traceback") == .string { traceback = string(at: -1) }
            pop()
        }
        let copy = try? self.value(at: -1)
        return LuaError(status: kind, message: message, traceback: traceback, value: copy)
    }
}

/// Ctrl-C and `--timeout`, as lua.c handles Ctrl-C: a stop only sets a hook, and the running
/// Lua code raises it at its next instruction, in every coroutine being resumed. The stop stays
/// pending until the host clears it, so Lua code cannot swallow it; a watchdog ends the process
/// when it is not honoured within a short grace (docs/lua-host.md, "Stops").
public enum LuaInterrupt {
    /// Takes SIGINT for `stack`'s state; its thread must be the calling one.
    public static func install(for stack: LuaStack) { b24lua_stops_install(stack.L) }
    public static func uninstall() { b24lua_stops_uninstall() }
    /// A Ctrl-C is pending.
    public static var requested: Bool { b24lua_stop_kind() == 1 }
    /// The `--timeout` deadline has passed.
    public static var timedOut: Bool { b24lua_stop_kind() == 2 }
    /// The message of the pending stop ("interrupted!", "timeout: …"), nil when none is.
    public static var pendingMessage: String? { b24lua_stop_message().map { String(cString: $0) } }
    public static func clear() { b24lua_stop_clear() }
    /// `--timeout`: a stop `seconds` from now.
    public static func stop(after seconds: Double) { b24lua_stop_after(seconds) }
}
