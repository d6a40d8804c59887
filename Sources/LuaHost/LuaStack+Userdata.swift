import CLua
import CLuaSupport

/// Swift objects handed to Lua as full userdata. The userdata holds one retained reference,
/// released by `__gc`; the metatable is registered under the type's `__name`.
public struct LuaClass {
    public let name: String
    public var methods: [String: LuaFunction] = [:]
    /// `__tostring`; defaults to "NAME: 0x…" as Lua renders userdata with a `__name`.
    public var toString: ((AnyObject) -> String)?
    /// An `__index` function for fields that are not methods.
    public var index: LuaFunction?

    public init(name: String, methods: [String: LuaFunction] = [:], toString: ((AnyObject) -> String)? = nil,
                index: LuaFunction? = nil) {
        self.name = name
        self.methods = methods
        self.toString = toString
        self.index = index
    }
}

final class UserdataBox {
    let object: AnyObject
    init(_ object: AnyObject) { self.object = object }
}

extension LuaStack {
    /// Creates (once per state) the metatable for `cls` in the registry.
    public func define(_ cls: LuaClass) {
        b24lua_hold_collector(L)
        guard luaL_newmetatable(L, cls.name) != 0 else {
            pop()
            return
        }
        push(function: { stack in
            if let p = lua_touserdata(stack.L, 1)?.assumingMemoryBound(to: UnsafeMutableRawPointer?.self), let box = p.pointee {
                Unmanaged<UserdataBox>.fromOpaque(box).release()
                p.pointee = nil
            }
            return 0
        })
        rawSet(-2, key: "__gc")
        if let toString = cls.toString {
            let name = cls.name
            push(function: { stack in
                guard let object = stack.object(at: 1, of: name) else { stack.push(name); return 1 }
                stack.push(toString(object))
                return 1
            })
            rawSet(-2, key: "__tostring")
        }
        if cls.methods.isEmpty, let index = cls.index {
            push(function: index)
        } else {
            newTable()
            for (name, body) in cls.methods {
                push(function: body)
                rawSet(-2, key: name)
            }
            if let index = cls.index {
                newTable()
                push(function: index)
                rawSet(-2, key: "__index")
                lua_setmetatable(L, -2)
            }
        }
        rawSet(-2, key: "__index")
        pop()
    }

    /// Pushes `object` as a userdata of the class `name` (defined beforehand with `define`).
    public func push(object: AnyObject, as name: String) {
        b24lua_hold_collector(L)
        let slot = b24lua_newuserdata(L, MemoryLayout<UnsafeMutableRawPointer?>.size)!
            .assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        slot.pointee = Unmanaged.passRetained(UserdataBox(object)).toOpaque()
        luaL_setmetatable(L, name)
    }

    /// The Swift object of a userdata of class `name` at `index`, nil when it is anything else.
    public func object(at index: Int32, of name: String) -> AnyObject? {
        guard let raw = luaL_testudata(L, index, name) else { return nil }
        guard let box = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee else { return nil }
        return Unmanaged<UserdataBox>.fromOpaque(box).takeUnretainedValue().object
    }
}
