import CLua

extension LuaValue: LuaRead, LuaPush {
    /// A copy of the value, tables deeply and raw (no metamethods), keys included. Cycles,
    /// nesting deeper than the walk allows and a walk past its budget are errors, not hangs:
    /// the rules of the one walk (`LuaWalk`).
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> LuaValue {
        var copier = LuaValueCopier()
        return try walk.visit(at: index, &copier)
    }

    /// Pushes a copy. Opaque values cannot be recreated and are pushed as nil; a NaN key is
    /// left out (Lua refuses it).
    public func push(_ walk: inout LuaPushWalk) throws(LuaError) {
        let s = walk.stack
        switch self {
        case .nil, .opaque: s.pushNil()
        case .boolean(let b): s.push(b)
        case .integer(let i): s.push(i)
        case .number(let d): s.push(d)
        case .string(let bytes): s.push(bytes: bytes)
        case .table(let t):
            try walk.openTable(hashCount: Int32(min(t.entries.count, 1 << 20)))
            defer { walk.closeTable() }
            for (k, v) in t.entries where k != .nil {
                if case .number(let d) = k, d.isNaN { continue }
                try k.push(&walk)
                try v.push(&walk)
                lua_rawset(s.L, -3)
            }
        }
    }
}

extension LuaStack {
    /// Copies the value at `index` out of Lua (`LuaValue.read`), at most `maxDepth` tables deep.
    public func value(at index: Int32, maxDepth: Int = LuaNesting.maxDepth) throws(LuaError) -> LuaValue {
        try read(LuaValue.self, at: index, maxDepth: maxDepth)
    }
}

/// `LuaValue.read` as a visitor of the one walk.
struct LuaValueCopier: LuaValueVisitor {
    typealias Output = LuaValue
    typealias Failure = LuaError

    func visitNil() -> LuaValue { .nil }
    func visitBoolean(_ value: Bool) -> LuaValue { .boolean(value) }
    func visitInteger(_ value: Int64) -> LuaValue { .integer(value) }
    func visitNumber(_ value: Double) -> LuaValue { .number(value) }
    func visitString(_ bytes: UnsafeBufferPointer<UInt8>) -> LuaValue { .string(Array(bytes)) }
    func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) -> LuaValue {
        .opaque(type: stack.typeName(at: index), identity: stack.identity(at: index))
    }

    mutating func visitTable(at index: Int32, walk: inout LuaWalk) throws(LuaError) -> LuaValue {
        var t = LuaTable()
        try walk.forEachEntry(inTableAt: index) { (walk, k, v) throws(LuaError) in
            let key = try walk.visit(at: k, &self)
            t[key] = try walk.visit(at: v, &self)
            return true
        }
        return .table(t)
    }

    func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) throws(LuaError) -> LuaValue {
        throw .value(refusal.fault(in: stack))
    }
}
