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
    /// Cycles and nesting deeper than `maxDepth` (at most `LuaNesting.maxDepth`) are errors,
    /// not hangs.
    public func value(at index: Int32, maxDepth: Int = LuaNesting.maxDepth) throws(LuaConversionError) -> LuaValue {
        var nesting = LuaNesting(maxDepth: maxDepth)
        return try copyValue(at: absolute(index), &nesting)
    }

    private func copyValue(at index: Int32, _ nesting: inout LuaNesting) throws(LuaConversionError) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(bool(at: index))
        case LUA_TNUMBER:
            if let i = integer(at: index), isInteger(at: index) { return .integer(i) }
            return .number(number(at: index) ?? 0)
        case LUA_TSTRING: return .string(bytes(at: index) ?? [])
        case LUA_TTABLE:
            switch nesting.enter(self, tableAt: index) {
            case .tooDeep: throw LuaConversionError("table nested too deeply")
            case .cycle: throw LuaConversionError("table contains a cycle")
            case nil: break
            }
            defer { nesting.leave() }
            guard reserve(4) else { throw LuaConversionError("stack overflow") }
            var t = LuaTable()
            try forEachEntry(inTableAt: index) { (k, v) throws(LuaConversionError) in
                let key = try copyValue(at: k, &nesting)
                t[key] = try copyValue(at: v, &nesting)
                return true
            }
            return .table(t)
        default:
            return .opaque(type: typeName(at: index), identity: identity(at: index))
        }
    }
}
