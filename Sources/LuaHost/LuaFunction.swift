import CLua
import CLuaSupport

/// A Swift function callable from Lua. It reads its arguments from the stack, pushes its
/// results and returns their count. Throwing raises a Lua error in the caller: see
/// `LuaRaisable`. It must not call Lua API functions that may raise (class `e`/`v`): use the
/// protected helpers of `LuaStack` for anything that may run Lua code.
public typealias LuaFunction = (LuaStack) throws -> Int32

/// An error that knows how to become a Lua error value. Other Swift errors are raised as the
/// message string `String(describing:)`, prefixed with the caller's position.
public protocol LuaRaisable: Error {
    /// Pushes the error value. Return true to prefix a string value with "chunk:line:".
    func pushLuaError(onto stack: LuaStack) -> Bool
}

/// A plain message, raised like `error("...")` at level 1.
public struct LuaMessageError: LuaRaisable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
    public func pushLuaError(onto stack: LuaStack) -> Bool {
        stack.push(description)
        return true
    }
}

/// Boxes Swift closures for Lua and routes the C trampoline back to them.
final class SwiftFunctionBox {
    let body: LuaFunction
    init(_ body: @escaping LuaFunction) { self.body = body }
}

enum LuaFunctionRegistry {
    static let installOnce: Void = {
        b24lua_set_callbacks(dispatch, release)
    }()

    static func installCallbacks() { _ = installOnce }

    /// Runs the body and turns a throw into a value on the stack plus a sentinel; the C side
    /// raises it after this frame has returned.
    static let dispatch: b24lua_Dispatch = { L, box in
        guard let L, let box else { return B24LUA_RAISE }
        let function = Unmanaged<SwiftFunctionBox>.fromOpaque(box).takeUnretainedValue()
        let stack = LuaStack(L)
        do {
            return try function.body(stack)
        } catch let error as LuaRaisable {
            stack.reserve(2)
            return error.pushLuaError(onto: stack) ? B24LUA_RAISE_WHERE : B24LUA_RAISE
        } catch {
            stack.reserve(2)
            stack.push(String(describing: error))
            return B24LUA_RAISE_WHERE
        }
    }

    static let release: b24lua_Release = { box in
        guard let box else { return }
        Unmanaged<SwiftFunctionBox>.fromOpaque(box).release()
    }
}

extension LuaStack {
    /// Pushes a Lua function that runs `body`.
    public func push(function body: @escaping LuaFunction) {
        let box = Unmanaged.passRetained(SwiftFunctionBox(body)).toOpaque()
        b24lua_push_swift_function(L, box)
    }

    /// Sets global `name` to a Swift function.
    public func register(_ name: String, _ body: @escaping LuaFunction) {
        push(function: body)
        setGlobal(name)
    }

    /// The argument error of lauxlib: "bad argument #N to 'fname' (message)".
    public func argumentError(_ n: Int32, _ function: String, _ message: String) -> LuaMessageError {
        LuaMessageError("bad argument #\(n) to '\(function)' (\(message))")
    }
}
