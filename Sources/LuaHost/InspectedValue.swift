/// A Lua value captured for display, as inspect.lua shows values: unlike `LuaValue` it can
/// say where a table was cut (depth, item limits), where it refers back to itself, and how an
/// object renders itself (`__tostring`, e.g. a `b24.Error`). Rendering is pure Swift, so it is
/// tested without a Lua state.
public indirect enum InspectedValue: Sendable, Equatable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string([UInt8])
    case table(InspectedTable)
    /// A value shown through its `__tostring`: error objects, objects with a one-line form.
    case described(String)
    /// Functions, userdata and threads without a `__tostring`.
    case opaque(type: String)
    /// A table that contains itself, met again on the path from the root.
    case cycle
    /// A table below the depth limit.
    case elided

    public static func string(_ s: String) -> InspectedValue { .string(Array(s.utf8)) }
}

/// The entries of a table, and how many were left out by the item limit.
public struct InspectedTable: Sendable, Equatable {
    public var entries: [Entry]
    public var omitted: Int

    public struct Entry: Sendable, Equatable {
        public var key: InspectedValue
        public var value: InspectedValue
        public init(key: InspectedValue, value: InspectedValue) {
            self.key = key
            self.value = value
        }
    }

    public init(entries: [Entry] = [], omitted: Int = 0) {
        self.entries = entries
        self.omitted = omitted
    }

    public init(sequence: [InspectedValue], omitted: Int = 0) {
        entries = sequence.enumerated().map { Entry(key: .integer(Int64($0.offset + 1)), value: $0.element) }
        self.omitted = omitted
    }

    public init(map: [String: InspectedValue], omitted: Int = 0) {
        entries = map.map { Entry(key: .string($0.key), value: $0.value) }
        self.omitted = omitted
    }
}

extension InspectedValue {
    /// The order keys are shown in: numbers ascending, then strings bytewise, then booleans
    /// (false first), then everything else by type name.
    public static func keyPrecedes(_ a: InspectedValue, _ b: InspectedValue) -> Bool {
        let (ra, rb) = (a.keyRank, b.keyRank)
        if ra != rb { return ra < rb }
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y
        case (.string(let x), .string(let y)): return x.lexicographicallyPrecedes(y)
        case (.boolean(let x), .boolean(let y)): return !x && y
        default:
            if let x = a.numericValue, let y = b.numericValue { return x < y }
            return false
        }
    }

    private var keyRank: Int {
        switch self {
        case .integer, .number: 0
        case .string: 1
        case .boolean: 2
        default: 3
        }
    }

    var numericValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
}
