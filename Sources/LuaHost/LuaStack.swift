import CLua
import CLuaSupport

/// A view of one Lua thread's stack: the main state's, or a coroutine's inside a Swift function.
/// It owns nothing. Every method here uses only API calls that cannot raise an error (class `-`
/// in the manual) or may fail only on memory, which the host never refuses to Swift code.
public struct LuaStack {
    public let L: OpaquePointer

    public init(_ L: OpaquePointer) { self.L = L }

    public var top: Int32 {
        get { lua_gettop(L) }
        nonmutating set { lua_settop(L, newValue) }
    }

    public func pop(_ n: Int32 = 1) { b24lua_pop(L, n) }

    public func absolute(_ index: Int32) -> Int32 { lua_absindex(L, index) }

    /// Grows the stack for `n` more slots; false when Lua cannot.
    @discardableResult
    public func reserve(_ n: Int32) -> Bool { lua_checkstack(L, n) != 0 }

    public func type(at index: Int32) -> LuaType { LuaType(code: lua_type(L, index)) }

    public func typeName(at index: Int32) -> String { String(cString: lua_typename(L, lua_type(L, index))) }

    public func isNoneOrNil(_ index: Int32) -> Bool { lua_type(L, index) <= LUA_TNIL }

    /// The pseudo-index of the registry, for `rawGet`/`rawSet` (it is a table without a
    /// metatable; code outside LuaHost uses `registryGet`/`registrySet`).
    public static var registryIndex: Int32 { b24lua_registryindex() }

    // MARK: pushing

    public func pushNil() { lua_pushnil(L) }
    public func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    public func push(_ i: Int64) { lua_pushinteger(L, lua_Integer(i)) }
    public func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    public func push(_ d: Double) { lua_pushnumber(L, d) }
    public func push(_ s: String) {
        b24lua_hold_collector(L)
        var s = s
        s.withUTF8 { buf in _ = lua_pushlstring(L, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count) }
    }
    public func push(bytes: [UInt8]) {
        b24lua_hold_collector(L)
        bytes.withUnsafeBufferPointer { buf in
            _ = lua_pushlstring(L, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count)
        }
    }
    public func pushValue(at index: Int32) { lua_pushvalue(L, index) }
    public func newTable(arrayCount: Int32 = 0, hashCount: Int32 = 0) {
        b24lua_hold_collector(L)
        lua_createtable(L, arrayCount, hashCount)
    }
    public func pushGlobalTable() { b24lua_pushglobaltable(L) }

    // MARK: reading without metamethods

    public func bool(at index: Int32) -> Bool { lua_toboolean(L, index) != 0 }

    /// The integer at `index` when it is a number with an exact integer value (not a string).
    public func integer(at index: Int32) -> Int64? {
        guard lua_type(L, index) == LUA_TNUMBER else { return nil }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, index, &ok)
        return ok != 0 ? Int64(v) : nil
    }

    public func isInteger(at index: Int32) -> Bool { lua_isinteger(L, index) != 0 }

    public func number(at index: Int32) -> Double? {
        guard lua_type(L, index) == LUA_TNUMBER else { return nil }
        return lua_tonumberx(L, index, nil)
    }

    /// The bytes of the string at `index` (numbers are not converted: that would modify the stack slot).
    public func bytes(at index: Int32) -> [UInt8]? {
        withBytes(at: index) { Array($0) }
    }

    /// Runs `body` over the bytes of the string at `index` in place (no copy); nil when it is
    /// not a string. The buffer is valid only inside `body`.
    public func withBytes<R>(at index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, index, &len) else { return nil }
        return try body(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: len))
    }

    /// The bytes of the string at `index` in place, valid while that string stays on the stack:
    /// one `lua_tolstring`, for a walk that has already read the type. The value must be a
    /// string (a number would be converted in its slot).
    public func stringBytes(at index: Int32) -> UnsafeBufferPointer<UInt8> {
        var len = 0
        let p = lua_tolstring(L, index, &len)
        return UnsafeBufferPointer(start: p.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }, count: len)
    }

    /// The string at `index`, decoded straight from Lua's buffer (invalid UTF-8 repaired).
    public func string(at index: Int32) -> String? {
        withBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: tables, raw

    /// t[key] = value without metamethods; t at `index`, value on top, key given.
    /// Sets t[key] to the value on top (popped) without metamethods; a no-op when the value at
    /// `index` is not a table (the raw API on anything else is undefined behaviour).
    public func rawSet(_ index: Int32, key: String) {
        let t = absolute(index)
        guard lua_type(L, t) == LUA_TTABLE else { pop(); return }
        push(key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, t)
    }

    public func rawSet(_ index: Int32, key: Int64) {
        guard lua_type(L, index) == LUA_TTABLE else { pop(); return }
        lua_rawseti(L, index, lua_Integer(key))
    }

    /// Pushes t[key] without metamethods and returns its type.
    @discardableResult
    public func rawGet(_ index: Int32, key: String) -> LuaType {
        let t = absolute(index)
        guard lua_type(L, t) == LUA_TTABLE else { pushNil(); return .nil }
        push(key)
        return LuaType(code: lua_rawget(L, t))
    }

    @discardableResult
    public func rawGet(_ index: Int32, key: Int64) -> LuaType {
        guard lua_type(L, index) == LUA_TTABLE else { pushNil(); return .nil }
        return LuaType(code: lua_rawgeti(L, index, lua_Integer(key)))
    }

    public func rawLength(_ index: Int32) -> Int { Int(lua_rawlen(L, index)) }

    public func setGlobal(_ name: String) {
        pushGlobalTable()
        lua_rotate(L, -2, 1)
        rawSet(-2, key: name)
        pop()
    }

    @discardableResult
    public func getGlobal(_ name: String) -> LuaType {
        pushGlobalTable()
        let t = rawGet(-1, key: name)
        lua_rotate(L, -2, 1)
        pop()
        return t
    }

    // MARK: protected operations (may run metamethods)

    /// `tostring(v)` with `__tostring`/`__name`, run under pcall; errors in a metamethod
    /// come back as a description instead of propagating.
    public func describe(at index: Int32) -> String {
        let status = b24lua_tostring_protected(L, index)
        defer { pop() }
        if status == LUA_OK { return string(at: -1) ?? "?" }
        return "(error in __tostring: \(string(at: -1) ?? typeName(at: -1)))"
    }

    /// Pushes `t[key]` for the table at `index`, `__index` included, run under pcall; returns
    /// its type. An error raised by a metamethod is thrown, and nothing is left pushed.
    @discardableResult
    public func get(_ index: Int32, key: String) throws(LuaError) -> LuaType {
        let t = absolute(index)
        push(key)
        let status = b24lua_gettable_protected(L, t)
        if status != LUA_OK { throw popError(status) }
        return type(at: -1)
    }

    /// A traceback of this thread from `level`, with an optional message first.
    public func traceback(message: String? = nil, level: Int32 = 1) -> String {
        let status: Int32
        if let message {
            status = message.withCString { b24lua_traceback_protected(L, L, $0, level) }
        } else {
            status = b24lua_traceback_protected(L, L, nil, level)
        }
        defer { pop() }
        return status == LUA_OK ? (string(at: -1) ?? "") : ""
    }
}
