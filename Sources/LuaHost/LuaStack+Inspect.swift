import CLua

/// How much of a value the REPL captures: deeper tables become `{...}`, tables longer than
/// `maxItems` show their first entries in key order and a count of the rest. The depth is a
/// display choice within the one walk's rules (`LuaWalk`, `LuaNesting`), which also mark cycles.
public struct InspectionLimits: Sendable {
    public var maxDepth: Int
    public var maxItems: Int

    public init(maxDepth: Int = 4, maxItems: Int = 50) {
        self.maxDepth = maxDepth
        self.maxItems = maxItems
    }
}

extension LuaStack {
    /// Captures the value at `index` for display. Tables are read raw (no `__index`, no
    /// `__pairs`); the only Lua code that may run is a `__tostring`, under pcall (`describe`).
    public func inspect(at index: Int32, limits: InspectionLimits = InspectionLimits()) -> InspectedValue {
        var inspector = Inspector(limits: limits)
        return walk(at: index, maxDepth: limits.maxDepth, &inspector)
    }

    /// True when the value's metatable has `field` (read raw: no code runs).
    public func hasMetamethod(at index: Int32, _ field: String) -> Bool {
        guard reserve(2), lua_getmetatable(L, index) != 0 else { return false }
        let type = rawGet(-1, key: field)
        pop(2)
        return type != .nil
    }
}

/// `LuaStack.inspect(at:)` as a visitor of the one walk: refusals become placeholders
/// (`<cycle>`, `{...}`), objects with a one-line form are described instead of entered.
struct Inspector: LuaValueVisitor {
    typealias Output = InspectedValue
    typealias Failure = Never

    let limits: InspectionLimits

    func visitNil() -> InspectedValue { .nil }
    func visitBoolean(_ value: Bool) -> InspectedValue { .boolean(value) }
    func visitInteger(_ value: Int64) -> InspectedValue { .integer(value) }
    func visitNumber(_ value: Double) -> InspectedValue { .number(value) }
    func visitString(_ bytes: UnsafeBufferPointer<UInt8>) -> InspectedValue { .string(Array(bytes)) }

    func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) -> InspectedValue {
        if type == .userdata {
            if stack.hasMetamethod(at: index, "__tostring") || stack.hasMetamethod(at: index, "__name") {
                return .described(stack.describe(at: index))
            }
            return .opaque(type: "userdata")
        }
        return .opaque(type: stack.typeName(at: index))
    }

    func substitute(forTableAt index: Int32, in stack: LuaStack) -> InspectedValue? {
        stack.hasMetamethod(at: index, "__tostring") ? .described(stack.describe(at: index)) : nil
    }

    func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) -> InspectedValue {
        switch refusal {
        case .cycle: .cycle
        case .tooManyValues where stack.type(at: index) == .string: .opaque(type: "string")
        case .tooDeep, .tooManyValues: .elided
        case .stackExhausted: .table(InspectedTable(omitted: 0))
        }
    }

    /// Two raw traversals: the first reads only the keys, to pick the first `maxItems` in
    /// display order; the second captures those entries. `lua_next` visits a table that is
    /// not modified in the same order both times.
    mutating func visitTable(at index: Int32, walk: inout LuaWalk) -> InspectedValue {
        let stack = walk.stack
        var keys: [(position: Int, key: InspectedValue)] = []
        stack.forEachEntry(inTableAt: index) { k, _ in
            keys.append((keys.count, Self.shallowKey(at: k, stack)))
            return true
        }
        let sequenceLength = InspectedTable.sequenceLength(keys.map(\.key))
        keys.sort { InspectedTable.displayPrecedes($0.key, $1.key, sequenceLength: sequenceLength) }
        let chosen = Set(keys.prefix(limits.maxItems).map(\.position))

        var entries: [InspectedTable.Entry] = []
        var position = 0
        walk.forEachEntry(inTableAt: index) { walk, k, v in
            if chosen.contains(position) {
                let key = walk.visit(at: k, &self)
                let value = walk.visit(at: v, &self)
                entries.append(.init(key: key, value: value))
            }
            position += 1
            return true
        }
        return .table(InspectedTable(entries: entries, omitted: max(0, keys.count - limits.maxItems)))
    }

    /// A key as far as ordering needs it: scalars exactly, anything else by its type.
    static func shallowKey(at index: Int32, _ stack: LuaStack) -> InspectedValue {
        switch stack.type(at: index) {
        case .number:
            if stack.isInteger(at: index), let i = stack.integer(at: index) { return .integer(i) }
            return .number(stack.number(at: index) ?? 0)
        case .string: return .string(stack.bytes(at: index) ?? [])
        case .boolean: return .boolean(stack.bool(at: index))
        default: return .opaque(type: stack.typeName(at: index))
        }
    }
}
