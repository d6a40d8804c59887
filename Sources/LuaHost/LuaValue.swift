import CLua

/// A Lua value copied out of (or into) a state. Strings are bytes: Lua strings may hold any
/// byte, embedded zeros included. Functions, userdata and threads cannot be copied; they are
/// read as `.opaque` with their type name and identity.
public enum LuaValue: Hashable, Sendable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string([UInt8])
    case table(LuaTable)
    case opaque(type: String, identity: UInt)

    public static func string(_ s: String) -> LuaValue { .string(Array(s.utf8)) }

    /// A sequence `{v1, v2, ...}`.
    package static func sequence(_ items: [LuaValue]) -> LuaValue {
        var t = LuaTable()
        for (i, v) in items.enumerated() { t[.integer(Int64(i + 1))] = v }
        return .table(t)
    }

    /// A map with string keys.
    public static func map(_ items: [String: LuaValue]) -> LuaValue {
        var t = LuaTable()
        for (k, v) in items { t[.string(k)] = v }
        return .table(t)
    }

    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        case .opaque(let type, _): type
        }
    }

    public var stringValue: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

/// The contents of a Lua table as a dictionary; `sequence` reads the 1...n part.
public struct LuaTable: Hashable, Sendable {
    public var entries: [LuaValue: LuaValue] = [:]

    public init(_ entries: [LuaValue: LuaValue] = [:]) { self.entries = entries }

    public subscript(key: LuaValue) -> LuaValue? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    public subscript(key: String) -> LuaValue? {
        get { entries[.string(key)] }
        set { entries[.string(key)] = newValue }
    }

    /// Values at keys 1, 2, ... up to the first missing one.
    public var sequence: [LuaValue] {
        var out: [LuaValue] = []
        var i: Int64 = 1
        while let v = entries[.integer(i)] {
            out.append(v)
            i += 1
        }
        return out
    }
}
