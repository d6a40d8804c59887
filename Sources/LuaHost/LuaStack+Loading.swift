import CLua
import CLuaSupport

extension LuaStack {
    /// Compiles `code` and pushes it as a function. `chunkName` follows Lua's convention:
    /// "@file.lua" for files, "=name" for literal names; messages then read "file.lua:12: …".
    public func load(_ code: [UInt8], chunkName: String, mode: String = "t") throws(LuaError) {
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
        let status = luaL_loadfilex(L, path, mode)
        if status != LUA_OK { throw popError(status) }
    }

    /// Calls the function below its `nargs` arguments, protected, with the host's message
    /// handler. Results stay on the stack (all of them with `nresults: nil`).
    public func call(nargs: Int32 = 0, nresults: Int32? = nil) throws(LuaError) {
        let status = b24lua_pcall_traced(L, nargs, nresults ?? b24lua_multret())
        if status != LUA_OK { throw popError(status) }
    }

    /// Turns the error value on top into a `LuaError` and pops it.
    public func popError(_ status: Int32) -> LuaError {
        defer { pop() }
        let kind = LuaError.Status(status)
        if type(at: -1) == LUA_TSTRING {
            return LuaError(status: kind, message: string(at: -1) ?? "")
        }
        let message = describe(at: -1)
        var traceback: String?
        if type(at: -1) == LUA_TTABLE {
            if rawGet(-1, key: "traceback") == LUA_TSTRING { traceback = string(at: -1) }
            pop()
        }
        let copy = try? self.value(at: -1)
        return LuaError(status: kind, message: message, traceback: traceback, value: copy)
    }
}

/// Ctrl-C handling as lua.c does it: the signal handler only sets a hook, and the running Lua
/// code raises "interrupted!" at its next instruction. Swift code that waits checks `requested`.
public enum LuaInterrupt {
    public static func install(for stack: LuaStack) { b24lua_sigint_install(stack.L) }
    public static func uninstall() { b24lua_sigint_restore() }
    public static var requested: Bool { b24lua_interrupted() != 0 }
    /// An interrupt or timeout is pending: Lua code raises it until `clear()`.
    public static var pending: Bool { b24lua_stop_pending() != 0 }
    public static func clear() { b24lua_clear_interrupted() }
    /// Makes `stack`'s thread raise "interrupted!" at its next instruction.
    public static func raise(in stack: LuaStack) { b24lua_request_interrupt(stack.L) }
    /// The same for --timeout, with its own message.
    public static func raiseTimeout(in stack: LuaStack) { b24lua_request_timeout(stack.L) }
}
