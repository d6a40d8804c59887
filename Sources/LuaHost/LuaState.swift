import CLua
import CLuaSupport

/// Owns one `lua_State` (closed in `deinit`). Not `Sendable`: a Lua state lives on one thread.
public final class LuaState {
    public let main: LuaStack

    /// A fresh state with the standard libraries open.
    /// `ignoreEnvironment` is lua -E: the package library then ignores LUA_PATH and LUA_CPATH.
    public init(openStandardLibraries: Bool = true, ignoreEnvironment: Bool = false) throws(LuaError) {
        LuaFunctionRegistry.installCallbacks()
        guard let L = b24lua_newstate() else {
            throw LuaError(status: .memory, message: "cannot create Lua state: not enough memory")
        }
        main = LuaStack(L)
        if ignoreEnvironment {
            main.push(true)
            lua_setfield(L, b24lua_registryindex(), "LUA_NOENV")  // the registry has no metatable
        }
        if openStandardLibraries {
            let status = b24lua_openlibs_protected(L)
            if status != LUA_OK {
                let message = main.string(at: -1) ?? "cannot open standard libraries"
                b24lua_close(L)
                throw LuaError(status: LuaError.Status(status), message: message)
            }
            // A stop must reach code running inside coroutines: see LuaInterrupt.
            if b24lua_link_coroutines_protected(L) != LUA_OK {
                b24lua_close(L)
                throw LuaError(status: .memory, message: "cannot create Lua state: not enough memory")
            }
        }
    }

    deinit {
        b24lua_close(main.L)
    }

    /// Caps the bytes Lua code may allocate (nil: no cap). Swift code is never refused memory,
    /// so an allocation failure can only surface inside Lua, as "not enough memory".
    public func setMemoryLimit(bytes: Int?) {
        b24lua_set_memory_limit(main.L, bytes.map { max(0, $0) } ?? 0)
    }

    public var memoryUsed: Int { Int(b24lua_memory_used(main.L)) }

    /// The Lua release this binary was linked against, e.g. "Lua 5.4.4".
    public static var luaRelease: String { String(cString: b24lua_version_string()) }
    public static var luaCopyright: String { String(cString: b24lua_copyright_string()) }
}
