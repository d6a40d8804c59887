import B24
import B24Wire
import LuaHost

/// JSON ↔ Lua for the `b24` module: `JSONValue`'s `LuaRead` and `LuaPush` (below). Objects become tables, arrays sequences; JSON null inside
/// an array is `b24.null` (so positions survive), inside an object the key is absent. Empty
/// arrays and objects carry the `b24.array`/`b24.object` marker metatables so they go back out
/// as they came in. Reading is raw: no metamethod runs while a value is converted.
package enum LuaJSON {
    static let nullName = "b24.null"
    static let arrayName = "b24.array"
    static let objectName = "b24.object"

    /// Creates the marker metatables and the `null` sentinel in the registry (once per state).
    package static func defineMarkers(_ s: LuaStack) {
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

    /// Parameters as the call sends them: none, or an empty table, is the empty object.
    static func params(_ v: JSONValue?) -> JSONValue {
        switch v {
        case .none: return .object([:])
        case .some(.array(let a)) where a.isEmpty: return .object([:])
        case .some(let v): return v
        }
    }

    /// Lua → JSON as a visitor of the host's one walk (`LuaWalk`, docs/lua-host.md "One walk of a
    /// value"): `JSONValue.read`. A value that converts costs no path text: a refusal collects
    /// the keys down to the value at fault on its way out (`LuaValueFault`), and only the caller
    /// spells the path (`params.fields[2].TITLE`).
    struct Reader: LuaValueVisitor {
        typealias Output = JSONValue
        typealias Failure = LuaError

        func visitNil() -> JSONValue { .null }
        func visitBoolean(_ value: Bool) -> JSONValue { .bool(value) }
        func visitInteger(_ value: Int64) -> JSONValue { .int(value) }

        func visitNumber(_ value: Double) throws(LuaError) -> JSONValue {
            guard value.isFinite else { throw .value(LuaValueFault("is \(value), which JSON cannot carry")) }
            return .double(value)
        }

        func visitString(_ bytes: UnsafeBufferPointer<UInt8>) throws(LuaError) -> JSONValue {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .value(LuaValueFault("is not valid UTF-8 text"))
            }
            return .string(text)
        }

        func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) throws(LuaError) -> JSONValue {
            if type == .userdata, stack.hasMetatable(at: index, named: nullName) { return .null }
            throw .value(LuaValueFault("is a \(stack.typeName(at: index)), which cannot be sent as JSON"))
        }

        func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) throws(LuaError) -> JSONValue {
            throw .value(refusal.fault(in: stack))
        }

        mutating func visitTable(at i: Int32, walk: inout LuaWalk) throws(LuaError) -> JSONValue {
            let s = walk.stack
            let forcedArray = s.hasMetatable(at: i, named: arrayName)
            let forcedObject = s.hasMetatable(at: i, named: objectName)
            var pairs: [(key: JSONValue, value: JSONValue)] = []
            pairs.reserveCapacity(4)  // a call's parameters fit: no regrowth on the way there
            var allIntegerKeys = true
            try walk.forEachEntry(inTableAt: i) { (walk, k, v) throws(LuaError) in
                let key: JSONValue
                let pathKey: LuaValueFault.Key
                switch s.type(at: k) {
                case .string:
                    // a key string is copied each time its table is reached, as a value is
                    let bytes = s.stringBytes(at: k)
                    guard walk.spend(bytes: bytes.count) else { throw .value(LuaNesting.Refusal.tooManyValues.fault(in: s)) }
                    let name = String(decoding: bytes, as: UTF8.self)
                    key = .string(name)
                    pathKey = .name(name)
                    allIntegerKeys = false
                case .number where s.isInteger(at: k):
                    let n = s.integer(at: k) ?? 0
                    key = .int(n)
                    pathKey = .index(n)
                case .number:
                    let name = "\(s.number(at: k) ?? 0)"
                    key = .string(name)
                    pathKey = .name(name)
                    allIntegerKeys = false
                default:
                    throw .value(LuaValueFault("has a \(s.typeName(at: k)) key, which JSON cannot carry"))
                }
                do throws(LuaError) {
                    pairs.append((key, try walk.visit(at: v, &self)))
                } catch {
                    throw error.inside(pathKey)
                }
                return true
            }
            return try LuaJSON.table(&pairs, forcedArray: forcedArray, forcedObject: forcedObject, allIntegerKeys: allIntegerKeys)
        }
    }

    /// A table's entries as a JSON array (a sequence 1...n, or marked `b24.array`) or object.
    /// `pairs` is sorted in place for an object.
    private static func table(_ pairs: inout [(key: JSONValue, value: JSONValue)], forcedArray: Bool, forcedObject: Bool,
                              allIntegerKeys: Bool) throws(LuaError) -> JSONValue {
        if forcedObject || (!forcedArray && !pairs.isEmpty && !(allIntegerKeys && isSequence(pairs))) {
            var o = JSONObject()
            o.reserveCapacity(pairs.count)
            pairs.sort { keyOrder($0.key, $1.key) }
            for p in pairs {
                switch p.key {
                case .int(let n): o[String(n)] = p.value
                case .string(let k): o[k] = p.value
                default: break
                }
            }
            return .object(o)
        }
        if forcedArray && !(allIntegerKeys && isSequence(pairs)) {
            throw .value(LuaValueFault("is marked b24.array but is not a sequence"))
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

extension JSONValue: LuaRead, LuaPush {
    /// The value at `index` as JSON. Functions, userdata (other than `b24.null`), threads,
    /// cycles, NaN/inf and non-UTF-8 strings are refused, naming the path; so is nesting deeper
    /// than the walk allows (`LuaNesting.maxDepth`; less for a value that will sit inside an
    /// object of its own on the wire). Every value read counts against the walk's budget
    /// (`LuaStack.valueBudget`, which --max-memory sets): a table reached twice is counted
    /// twice, so a small table DAG cannot expand to millions of values in Swift memory.
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> JSONValue {
        var reader = LuaJSON.Reader()
        return try walk.visit(at: index, &reader)
    }

    /// Pushes the value: objects as tables, arrays as sequences, null in an array as `b24.null`
    /// (in an object the key is left out), empty arrays and objects marked. At most the push
    /// walk's depth (`LuaNesting.maxDepth`) tables deep: a deeper answer is an error, not a
    /// stack overflow.
    public func push(_ walk: inout LuaPushWalk) throws(LuaError) {
        let s = walk.stack
        switch self {
        case .null: LuaJSON.pushNull(s)
        case .bool(let b): s.push(b)
        case .int(let i): s.push(i)
        case .double(let d): s.push(d)
        case .string(let str): s.push(str)
        case .array(let a):
            try walk.openTable(arrayCount: Int32(min(a.count, 1 << 24)))
            defer { walk.closeTable() }
            for (i, e) in a.enumerated() {
                try e.push(&walk)
                s.rawSet(-2, key: Int64(i + 1))
            }
            if a.isEmpty { s.setMetatable(named: LuaJSON.arrayName) }
        case .object(let o):
            try walk.openTable(hashCount: Int32(min(o.count, 1 << 24)))
            defer { walk.closeTable() }
            for (k, e) in o where e != .null {
                try e.push(&walk)
                s.rawSet(-2, key: k)
            }
            if o.isEmpty { s.setMetatable(named: LuaJSON.objectName) }
        }
    }
}
