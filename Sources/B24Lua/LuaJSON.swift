import B24
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
        for name in [arrayName, objectName] {
            s.newMetatable(named: name)  // sets __name
            s.pop()
        }
        if s.newMetatable(named: nullName) {
            s.push(function: { s in s.push("null"); return 1 })
            s.rawSet(-2, key: "__tostring")
            s.pop()
            s.newUserdata(byteCount: 1, metatable: nullName)
            s.registrySet(nullValueKey)
        } else {
            s.pop()
        }
    }

    /// Where the one `b24.null` userdata is kept.
    static let nullValueKey = "b24.null.value"

    static func pushNull(_ s: LuaStack) {
        s.registryGet(nullValueKey)
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
            if a.isEmpty { s.setMetatable(named: arrayName) }
        case .object(let o):
            s.newTable(hashCount: Int32(min(o.count, 1 << 24)))
            for (k, e) in o where e != .null {
                push(e, s)
                s.rawSet(-2, key: k)
            }
            if o.isEmpty { s.setMetatable(named: objectName) }
        }
    }

    struct ConversionError: Error {
        let message: String
    }

    /// The value at `index` as JSON. Functions, userdata (other than `b24.null`), threads,
    /// cycles, NaN/inf and non-UTF-8 strings are refused with a message naming the path; so is
    /// nesting deeper than the host's one rule allows (`LuaNesting.maxDepth`).
    static func read(_ s: LuaStack, at index: Int32, path: String = "value") throws(ConversionError) -> JSONValue {
        var nesting = LuaNesting()
        return try read(s, s.absolute(index), path, &nesting)
    }

    private static func read(_ s: LuaStack, _ i: Int32, _ path: String,
                             _ nesting: inout LuaNesting) throws(ConversionError) -> JSONValue {
        switch s.type(at: i) {
        case .nil, .none: return .null
        case .boolean: return .bool(s.bool(at: i))
        case .number:
            if s.isInteger(at: i), let n = s.integer(at: i) { return .int(n) }
            let d = s.number(at: i) ?? 0
            guard d.isFinite else { throw ConversionError(message: "\(path) is \(d), which JSON cannot carry") }
            return .double(d)
        case .string:
            let bytes = s.bytes(at: i) ?? []
            guard let str = String(validating: bytes, as: UTF8.self) else {
                throw ConversionError(message: "\(path) is not valid UTF-8 text")
            }
            return .string(str)
        case .userdata where s.hasMetatable(at: i, named: nullName):
            return .null
        case .table:
            switch nesting.enter(s, tableAt: i) {
            case .tooDeep: throw ConversionError(message: "\(path) is nested too deeply")
            case .cycle: throw ConversionError(message: "\(path) contains a cycle")
            case nil: break
            }
            defer { nesting.leave() }
            return try readTable(s, i, path, &nesting)
        default:
            throw ConversionError(message: "\(path) is a \(s.typeName(at: i)), which cannot be sent as JSON")
        }
    }

    private static func readTable(_ s: LuaStack, _ i: Int32, _ path: String,
                                  _ nesting: inout LuaNesting) throws(ConversionError) -> JSONValue {
        guard s.reserve(6) else { throw ConversionError(message: "\(path): Lua stack exhausted") }
        let forcedArray = s.hasMetatable(at: i, named: arrayName)
        let forcedObject = s.hasMetatable(at: i, named: objectName)
        var pairs: [(key: JSONValue, value: JSONValue)] = []
        var allIntegerKeys = true
        try s.forEachEntry(inTableAt: i) { (k, v) throws(ConversionError) in
            let key: JSONValue
            switch s.type(at: k) {
            case .string: key = .string(s.string(at: k) ?? ""); allIntegerKeys = false
            case .number where s.isInteger(at: k): key = .int(s.integer(at: k) ?? 0)
            case .number: key = .string("\(s.number(at: k) ?? 0)"); allIntegerKeys = false
            default:
                throw ConversionError(message: "\(path) has a \(s.typeName(at: k)) key, which JSON cannot carry")
            }
            let keyText: String
            switch key { case .int(let n): keyText = "[\(n)]"; case .string(let k): keyText = ".\(k)"; default: keyText = "" }
            pairs.append((key, try read(s, v, path + keyText, &nesting)))
            return true
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
