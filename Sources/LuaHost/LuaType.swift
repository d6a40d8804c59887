import CLua

/// The type of a stack slot, as `lua_type` answers: callers above LuaHost compare with these
/// cases instead of the C constants, so no code outside LuaHost needs the C API.
public enum LuaType: Int32, Sendable, CaseIterable {
    /// An index above the top (an absent argument).
    case none = -1
    case `nil` = 0
    case boolean = 1
    case lightUserdata = 2
    case number = 3
    case string = 4
    case table = 5
    case function = 6
    case userdata = 7
    case thread = 8

    init(code: Int32) { self = LuaType(rawValue: code) ?? .none }

    /// None or nil: an argument that was not given, or given as nil.
    public var isNoneOrNil: Bool { rawValue <= LuaType.nil.rawValue }

    /// Lua's own name of the type ("no value" for `none`), as `type()` and error messages say it.
    public var name: String {
        switch self {
        case .none: "no value"
        case .nil: "nil"
        case .boolean: "boolean"
        case .lightUserdata, .userdata: "userdata"
        case .number: "number"
        case .string: "string"
        case .table: "table"
        case .function: "function"
        case .thread: "thread"
        }
    }
}
