import CLua

extension LuaStack {
    /// Pushes a copy of `value`. Opaque values cannot be recreated and are pushed as nil.
    public func push(_ value: LuaValue) {
        reserve(3)
        switch value {
        case .nil, .opaque: pushNil()
        case .boolean(let b): push(b)
        case .integer(let i): push(i)
        case .number(let d): push(d)
        case .string(let bytes): push(bytes: bytes)
        case .table(let t):
            newTable(hashCount: Int32(min(t.entries.count, 1 << 20)))
            for (k, v) in t.entries where k != .nil {
                if case .number(let d) = k, d.isNaN { continue }  // NaN cannot be a key
                push(k)
                push(v)
                lua_rawset(L, -3)
            }
        }
    }

    /// Copies the value at `index` out of Lua, tables deeply and raw (no metamethods).
    /// Cycles and nesting deeper than `maxDepth` are errors, not hangs.
    public func value(at index: Int32, maxDepth: Int = 100) throws(LuaConversionError) -> LuaValue {
        var visiting: Set<UInt> = []
        return try copyValue(at: absolute(index), depth: maxDepth, visiting: &visiting)
    }

    private func copyValue(at index: Int32, depth: Int, visiting: inout Set<UInt>) throws(LuaConversionError) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(bool(at: index))
        case LUA_TNUMBER:
            if let i = integer(at: index), isInteger(at: index) { return .integer(i) }
            return .number(number(at: index) ?? 0)
        case LUA_TSTRING: return .string(bytes(at: index) ?? [])
        case LUA_TTABLE:
            let identity = UInt(bitPattern: lua_topointer(L, index))
            guard depth > 0 else { throw LuaConversionError("table nested too deeply") }
            guard visiting.insert(identity).inserted else { throw LuaConversionError("table contains a cycle") }
            defer { visiting.remove(identity) }
            guard reserve(4) else { throw LuaConversionError("stack overflow") }
            var t = LuaTable()
            pushNil()
            while lua_next(L, index) != 0 {
                let key = try copyValue(at: absolute(-2), depth: depth - 1, visiting: &visiting)
                let value = try copyValue(at: absolute(-1), depth: depth - 1, visiting: &visiting)
                t[key] = value
                pop()
            }
            return .table(t)
        default:
            return .opaque(type: typeName(at: index), identity: UInt(bitPattern: lua_topointer(L, index)))
        }
    }
}
