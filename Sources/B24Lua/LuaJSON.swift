import B24
import CLua
import LuaHost

/// JSON ↔ Lua for the `b24` module. Objects become tables, arrays sequences; JSON null inside
/// an array is `b24.null` (so positions survive), inside an object the key is absent. Empty
/// arrays and objects carry the `b24.array`/`b24.object` marker metatables so they go back out
/// as they came in. Reading is raw: no metamethod runs while a value is converted.
enum LuaJSON {
    static let nullName = "b24.null"
    static let arrayName = "b24.array"
    static let objectName = "b24.object"

    /// Creates the marker metatables and the `null` sentinel in the registry (once per state).
    static func defineMarkers(_ s: LuaStack) {
        for name in [arrayName, objectName] where luaL_newmetatable(s.L, name) != 0 {
            s.push(name)
            s.rawSet(-2, key: "__name")
            s.pop()
        }
        if luaL_newmetatable(s.L, nullName) != 0 {
            s.push(nullName)
            s.rawSet(-2, key: "__name")
            s.push(function: { s in s.push("null"); return 1 })
            s.rawSet(-2, key: "__tostring")
            s.pop()
            _ = b24lua_newuserdata(s.L, 1)
            luaL_setmetatable(s.L, nullName)
            lua_setfield(s.L, b24lua_registryindex(), "b24.null.value")  // the registry has no metatable
        } else {
            s.pop()
        }
    }

    static func pushNull(_ s: LuaStack) {
        lua_getfield(s.L, b24lua_registryindex(), "b24.null.value")
    }

    static func push(_ v: JSONValue, _ s: LuaStack) {
        s.reserve(4)
        switch v {
        case .null: pushNull(s)
        case .bool(let b): s.push(b)
        case .int(let i): s.push(i)
        case .double(let d): s.push(d)
        case .string(let str): s.push(str)
        case .array(let a):
            s.newTable(arrayCount: Int32(min(a.count, 1 << 24)))
            for (i, e) in a.enumerated() {
                push(e, s)
                s.rawSet(-2, key: Int64(i + 1))
            }
            if a.isEmpty { luaL_setmetatable(s.L, arrayName) }
        case .object(let o):
            s.newTable(hashCount: Int32(min(o.count, 1 << 24)))
            for (k, e) in o where e != .null {
                push(e, s)
                s.rawSet(-2, key: k)
            }
            if o.isEmpty { luaL_setmetatable(s.L, objectName) }
        }
    }

    struct ConversionError: Error {
        let message: String
    }

    /// The value at `index` as JSON. Functions, userdata (other than `b24.null`), threads,
    /// cycles, NaN/inf and non-UTF-8 strings are refused with a message naming the path.
    static func read(_ s: LuaStack, at index: Int32, path: String = "value") throws(ConversionError) -> JSONValue {
        var visiting = Set<UInt>()
        return try read(s, s.absolute(index), path, depth: 0, &visiting)
    }

    private static func hasMetatable(_ s: LuaStack, _ index: Int32, _ name: String) -> Bool {
        guard lua_getmetatable(s.L, index) != 0 else { return false }
        b24lua_getmetatable_named(s.L, name)
        defer { s.pop(2) }
        return lua_rawequal(s.L, -1, -2) != 0
    }

    private static func read(_ s: LuaStack, _ i: Int32, _ path: String, depth: Int,
                             _ visiting: inout Set<UInt>) throws(ConversionError) -> JSONValue {
        switch s.type(at: i) {
        case LUA_TNIL, LUA_TNONE: return .null
        case LUA_TBOOLEAN: return .bool(s.bool(at: i))
        case LUA_TNUMBER:
            if s.isInteger(at: i), let n = s.integer(at: i) { return .int(n) }
            let d = s.number(at: i) ?? 0
            guard d.isFinite else { throw ConversionError(message: "\(path) is \(d), which JSON cannot carry") }
            return .double(d)
        case LUA_TSTRING:
            let bytes = s.bytes(at: i) ?? []
            guard let str = String(validating: bytes, as: UTF8.self) else {
                throw ConversionError(message: "\(path) is not valid UTF-8 text")
            }
            return .string(str)
        case LUA_TUSERDATA where hasMetatable(s, i, nullName):
            return .null
        case LUA_TTABLE:
            return try readTable(s, i, path, depth: depth, &visiting)
        default:
            throw ConversionError(message: "\(path) is a \(s.typeName(at: i)), which cannot be sent as JSON")
        }
    }

    private static func readTable(_ s: LuaStack, _ i: Int32, _ path: String, depth: Int,
                                  _ visiting: inout Set<UInt>) throws(ConversionError) -> JSONValue {
        let identity = UInt(bitPattern: lua_topointer(s.L, i))
        guard depth < 64 else { throw ConversionError(message: "\(path) is nested too deeply") }
        guard visiting.insert(identity).inserted else { throw ConversionError(message: "\(path) contains a cycle") }
        defer { visiting.remove(identity) }
        guard s.reserve(6) else { throw ConversionError(message: "\(path): Lua stack exhausted") }
        let forcedArray = hasMetatable(s, i, arrayName)
        let forcedObject = hasMetatable(s, i, objectName)
        var pairs: [(key: JSONValue, value: JSONValue)] = []
        var allIntegerKeys = true
        s.pushNil()
        while lua_next(s.L, i) != 0 {
            let key: JSONValue
            switch s.type(at: -2) {
            case LUA_TSTRING: key = .string(s.string(at: -2) ?? ""); allIntegerKeys = false
            case LUA_TNUMBER where s.isInteger(at: -2): key = .int(s.integer(at: -2) ?? 0)
            case LUA_TNUMBER: key = .string("\(s.number(at: -2) ?? 0)"); allIntegerKeys = false
            default:
                s.pop(2)
                throw ConversionError(message: "\(path) has a \(s.typeName(at: -2)) key, which JSON cannot carry")
            }
            let keyText: String
            switch key { case .int(let n): keyText = "[\(n)]"; case .string(let k): keyText = ".\(k)"; default: keyText = "" }
            let value: JSONValue
            do { value = try read(s, s.absolute(-1), path + keyText, depth: depth + 1, &visiting) } catch {
                s.pop(2)
                throw error
            }
            pairs.append((key, value))
            s.pop()
        }
        if forcedObject || (!forcedArray && !pairs.isEmpty && !(allIntegerKeys && isSequence(pairs))) {
            var o = JSONObject()
            for p in pairs.sorted(by: { keyOrder($0.key, $1.key) }) {
                switch p.key {
                case .int(let n): o[String(n)] = p.value
                case .string(let k): o[k] = p.value
                default: break
                }
            }
            return .object(o)
        }
        if forcedArray && !(allIntegerKeys && isSequence(pairs)) {
            throw ConversionError(message: "\(path) is marked b24.array but is not a sequence")
        }
        var a = [JSONValue](repeating: .null, count: pairs.count)
        for p in pairs { if case .int(let n) = p.key { a[Int(n) - 1] = p.value } }
        return .array(a)
    }

    private static func isSequence(_ pairs: [(key: JSONValue, value: JSONValue)]) -> Bool {
        let n = pairs.count
        return pairs.allSatisfy { if case .int(let k) = $0.key { k >= 1 && k <= n } else { false } }
    }

    /// Integer keys first in numeric order, then strings: a stable wire order for Lua's hash order.
    private static func keyOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.int, _): return true
        case (_, .int): return false
        case (.string(let x), .string(let y)): return x < y
        default: return false
        }
    }
}
