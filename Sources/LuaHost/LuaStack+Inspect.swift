import CLua

/// How much of a value the REPL captures: deeper tables become `{...}`, tables longer than
/// `maxItems` show their first entries in key order and a count of the rest. The depth is a
/// display choice within the host's one nesting rule (`LuaNesting`), which also marks cycles.
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
        var nesting = LuaNesting(maxDepth: limits.maxDepth)
        return inspect(at: absolute(index), limits: limits, &nesting)
    }

    private func inspect(at index: Int32, limits: InspectionLimits, _ nesting: inout LuaNesting) -> InspectedValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(bool(at: index))
        case LUA_TNUMBER:
            if isInteger(at: index), let i = integer(at: index) { return .integer(i) }
            return .number(number(at: index) ?? 0)
        case LUA_TSTRING: return .string(bytes(at: index) ?? [])
        case LUA_TTABLE:
            if hasMetamethod(at: index, "__tostring") { return .described(describe(at: index)) }
            switch nesting.enter(self, tableAt: index) {
            case .cycle: return .cycle
            case .tooDeep: return .elided
            case nil: break
            }
            defer { nesting.leave() }
            return .table(inspectTable(at: index, limits: limits, &nesting))
        case LUA_TUSERDATA:
            if hasMetamethod(at: index, "__tostring") || hasMetamethod(at: index, "__name") {
                return .described(describe(at: index))
            }
            return .opaque(type: "userdata")
        default:
            return .opaque(type: typeName(at: index))
        }
    }

    /// Two raw traversals: the first reads only the keys, to pick the first `maxItems` in
    /// display order; the second captures those entries. `lua_next` visits a table that is
    /// not modified in the same order both times.
    private func inspectTable(at index: Int32, limits: InspectionLimits, _ nesting: inout LuaNesting) -> InspectedTable {
        guard reserve(4) else { return InspectedTable(omitted: 0) }
        var keys: [(position: Int, key: InspectedValue)] = []
        forEachEntry(inTableAt: index) { k, _ in
            keys.append((keys.count, shallowKey(at: k)))
            return true
        }
        let sequenceLength = InspectedTable.sequenceLength(keys.map(\.key))
        keys.sort { InspectedTable.displayPrecedes($0.key, $1.key, sequenceLength: sequenceLength) }
        let chosen = Set(keys.prefix(limits.maxItems).map(\.position))

        var entries: [InspectedTable.Entry] = []
        var position = 0
        forEachEntry(inTableAt: index) { k, v in
            if chosen.contains(position) {
                let key = inspect(at: k, limits: limits, &nesting)
                let value = inspect(at: v, limits: limits, &nesting)
                entries.append(.init(key: key, value: value))
            }
            position += 1
            return true
        }
        return InspectedTable(entries: entries, omitted: max(0, keys.count - limits.maxItems))
    }

    /// A key as far as ordering needs it: scalars exactly, anything else by its type.
    private func shallowKey(at index: Int32) -> InspectedValue {
        switch lua_type(L, index) {
        case LUA_TNUMBER:
            if isInteger(at: index), let i = integer(at: index) { return .integer(i) }
            return .number(number(at: index) ?? 0)
        case LUA_TSTRING: return .string(bytes(at: index) ?? [])
        case LUA_TBOOLEAN: return .boolean(bool(at: index))
        default: return .opaque(type: typeName(at: index))
        }
    }

    /// True when the value's metatable has `field` (read raw: no code runs).
    public func hasMetamethod(at index: Int32, _ field: String) -> Bool {
        guard reserve(2), lua_getmetatable(L, index) != 0 else { return false }
        let type = rawGet(-1, key: field)
        pop(2)
        return type != .nil
    }
}
