import CLua

/// LuaHost's one error type (docs/lua-host.md, "One error type"): what went wrong between Swift
/// and Lua. A Swift function Lua calls may throw it, and the trampoline raises it in Lua (see
/// `LuaFunction`); the host's own calls into Lua throw it when Lua fails.
public enum LuaError: Error, CustomStringConvertible {
    /// A load or protected call failed; Lua's error value rendered for a human. `value` keeps
    /// the error value itself when it was an object (table or userdata).
    case failed(status: Status, message: String, traceback: String?, value: LuaValue?)
    /// A message raised as `error("...")` at level 1: Lua prefixes the caller's position
    /// (`bad argument #1 to 'f' (string expected)`).
    case message(String)
    /// A value that cannot cross between Lua and Swift (`LuaRead`, `LuaPush`), and where it sits.
    case value(LuaValueFault)

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

    /// A failed load or call (`.failed`).
    public init(status: Status, message: String, traceback: String? = nil, value: LuaValue? = nil) {
        self = .failed(status: status, message: message, traceback: traceback, value: value)
    }

    /// How Lua failed; a message or a value fault is a runtime error.
    public var status: Status {
        if case .failed(let status, _, _, _) = self { return status }
        return .runtime
    }

    /// The message: a string error as raised (with its traceback when it came through the
    /// host's message handler), or the `__tostring` rendering of an error object; a fault's
    /// text with the path from `value`.
    public var message: String {
        switch self {
        case .failed(_, let message, _, _): message
        case .message(let message): message
        case .value(let fault): fault.message(root: "value")
        }
    }

    /// The traceback of an error object (its `traceback` field), nil for string errors whose
    /// traceback is already in `message`.
    public var traceback: String? {
        if case .failed(_, _, let traceback, _) = self { return traceback }
        return nil
    }

    /// The error value itself when it was an object (table or userdata).
    public var value: LuaValue? {
        if case .failed(_, _, _, let value) = self { return value }
        return nil
    }

    /// `message`, a fault's path starting at `root` (`params`, `params.FILTER`) instead of `value`.
    public func message(root: String) -> String {
        if case .value(let fault) = self { return fault.message(root: root) }
        return message
    }

    /// A value fault one level further out (the value sits at `key`); any other error as it is.
    public func inside(_ key: LuaValueFault.Key) -> LuaError {
        if case .value(let fault) = self { return .value(fault.inside(key)) }
        return self
    }

    public var description: String {
        if let traceback { return message + "\n" + traceback }
        return message
    }
}

/// What is wrong with a value that cannot cross, and where it sits: `params.FILTER[2] is nested
/// too deeply`. The keys are collected on the way out of the walk, so a value that converts
/// costs no path text (docs/lua-host.md, "One walk of a value").
public struct LuaValueFault: Sendable, Equatable {
    public enum Key: Sendable, Equatable {
        case index(Int64)
        case name(String)
    }

    /// What is wrong, after the path: `is nested too deeply`. Text starting with ":" follows
    /// the path without a space.
    public var what: String
    /// The keys from the value at fault up to the root (innermost first).
    public var keys: [Key] = []

    public init(_ what: String) { self.what = what }

    /// A value of the wrong type: `is a boolean, string expected`.
    public static func expected(_ wanted: String, got: String) -> LuaValueFault {
        LuaValueFault("is \(got), \(wanted) expected")
    }

    /// The fault one level further out: the value at fault sits at `key` of the table it was read from.
    public func inside(_ key: Key) -> LuaValueFault {
        var outer = self
        outer.keys.append(key)
        return outer
    }

    /// The path from `root` down to the value, then what is wrong.
    public func message(root: String) -> String {
        var text = root
        for key in keys.reversed() {
            switch key {
            case .index(let n): text += "[\(n)]"
            case .name(let k): text += ".\(k)"
            }
        }
        return what.hasPrefix(":") ? text + what : text + " " + what
    }
}
