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

    /// Copies the value at `index` out of Lua, tables deeply and raw (no metamethods), keys
    /// included. Cycles and nesting deeper than `maxDepth` (at most `LuaNesting.maxDepth`) are
    /// errors, not hangs: the rules of the one walk (`LuaWalk`).
    public func value(at index: Int32, maxDepth: Int = LuaNesting.maxDepth) throws(LuaConversionError) -> LuaValue {
        var copier = LuaValueCopier()
        return try walk(at: index, maxDepth: maxDepth, &copier)
    }
}

/// `LuaStack.value(at:)` as a visitor of the one walk.
struct LuaValueCopier: LuaValueVisitor {
    typealias Output = LuaValue
    typealias Failure = LuaConversionError

    func visitNil() -> LuaValue { .nil }
    func visitBoolean(_ value: Bool) -> LuaValue { .boolean(value) }
    func visitInteger(_ value: Int64) -> LuaValue { .integer(value) }
    func visitNumber(_ value: Double) -> LuaValue { .number(value) }
    func visitString(at index: Int32, in stack: LuaStack) -> LuaValue { .string(stack.bytes(at: index) ?? []) }
    func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) -> LuaValue {
        .opaque(type: stack.typeName(at: index), identity: stack.identity(at: index))
    }

    mutating func visitTable(at index: Int32, walk: inout LuaWalk) throws(LuaConversionError) -> LuaValue {
        var t = LuaTable()
        try walk.forEachEntry(inTableAt: index) { (walk, k, v) throws(LuaConversionError) in
            let key = try walk.visit(at: k, &self)
            t[key] = try walk.visit(at: v, &self)
            return true
        }
        return .table(t)
    }

    func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) throws(LuaConversionError) -> LuaValue {
        switch refusal {
        case .tooDeep: throw LuaConversionError("table nested too deeply")
        case .cycle: throw LuaConversionError("table contains a cycle")
        case .stackExhausted: throw LuaConversionError("stack overflow")
        case .tooManyValues: throw LuaConversionError("table holds too many values (a table or string reached more than once counts each time)")
        }
    }
}
