import CLua

/// A failed load or protected call, with the error value rendered for a human. The original
/// error value, when it was not a string, is kept in `value` for the caller to inspect.
public struct LuaError: Error, CustomStringConvertible {
    public enum Status: Sendable, Equatable {
        case runtime, syntax, memory, handler, file

        init(_ code: Int32) {
            switch code {
            case LUA_ERRSYNTAX: self = .syntax
            case LUA_ERRMEM: self = .memory
            case LUA_ERRERR: self = .handler
            case b24lua_errfile(): self = .file
            default: self = .runtime
            }
        }
    }

    public var status: Status
    /// The message: a string error as raised (with its traceback when it came through the
    /// host's message handler), or the `__tostring` rendering of an error object.
    public var message: String
    /// The traceback of an error object (its `traceback` field), nil for string errors whose
    /// traceback is already in `message`.
    public var traceback: String?
    /// The error value itself when it was an object (table or userdata).
    public var value: LuaValue?

    public init(status: Status, message: String, traceback: String? = nil, value: LuaValue? = nil) {
        self.status = status
        self.message = message
        self.traceback = traceback
        self.value = value
    }

    public var description: String {
        if let traceback { return message + "\n" + traceback }
        return message
    }
}
