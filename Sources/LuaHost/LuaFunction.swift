import CLua
import CLuaSupport

/// A Swift function callable from Lua. It reads its arguments from the stack (`LuaRead`), pushes
/// its results and returns their count. Throwing raises a Lua error in the caller, after the
/// Swift frame is gone (docs/lua-host.md, "Errors never unwind Swift"): an error that is also
/// `LuaPush` (a domain error that renders itself as a Lua object) is raised as that value;
/// any other, `LuaError` included, as its message with the caller's position, as
/// `error("...")` does. It must not call Lua API functions that may raise (class `e`/`v`): use
/// the protected helpers of `LuaStack` for anything that may run Lua code.
public typealias LuaFunction = (LuaStack) throws -> Int32

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
        } catch let error as any LuaPush {
            stack.reserve(2)
            do throws(LuaError) {
                try stack.push(error)
                return B24LUA_RAISE
            } catch {
                stack.push(error.description)
                return B24LUA_RAISE_WHERE
            }
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
    public func argumentError(_ n: Int32, _ function: String, _ message: String) -> LuaError {
        .message("bad argument #\(n) to '\(function)' (\(message))")
    }
}
