import B24
import B24Wire
import LuaHost

/// JSON ↔ Lua for the `b24` module. Objects become tables, arrays sequences; JSON null inside
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

    package static func push(_ v: JSONValue, _ s: LuaStack) {
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

    package struct ConversionError: Error {
        let message: String
    }

    /// The value at `index` as JSON. Functions, userdata (other than `b24.null`), threads,
    /// cycles, NaN/inf and non-UTF-8 strings are refused with a message naming the path; so is
    /// nesting deeper than the host's one rule allows (`LuaNesting.maxDepth`). A visitor of the
    /// host's one walk (`LuaWalk`, docs/lua-host.md "One walk of a value").
    /// `maxDepth`: fewer tables, for a value that will sit inside an object of its own on the wire.
    /// Every value read counts against the state's budget (`LuaStack.valueBudget`, which
    /// --max-memory sets): a table reached twice is counted twice, so a small table DAG cannot
    /// expand to millions of values in Swift memory.
    package static func read(_ s: LuaStack, at index: Int32, path: String = "value",
                     maxDepth: Int = LuaNesting.maxDepth) throws(ConversionError) -> JSONValue {
        var budget = s.valueBudget
        return try read(s, at: index, path: path, maxDepth: maxDepth, budget: &budget)
    }

    /// The same, spending `budget`: one call's parameters read one by one share it.
    static func read(_ s: LuaStack, at index: Int32, path: String = "value",
                     maxDepth: Int = LuaNesting.maxDepth, budget: inout Int) throws(ConversionError) -> JSONValue {
        var reader = Reader()
        do throws(Reader.Refusal) {
            return try s.walk(at: index, maxDepth: maxDepth, budget: &budget, &reader)
        } catch {
            throw ConversionError(message: error.message(root: path))
        }
    }

    /// The conversion as a visitor. A value that converts costs no path text: a refusal
    /// collects the keys down to the value at fault on its way out, and only then is the path
    /// (`params.fields[2].TITLE`) spelled.
    struct Reader: LuaValueVisitor {
        typealias Output = JSONValue
        typealias Failure = Refusal

        enum Key {
            case index(Int64)
            case name(String)
        }

        struct Refusal: Error {
            /// What is wrong, after the path: `is nested too deeply`.
            let what: String
            /// The keys from the value at fault up to the root.
            var keys: [Key] = []

            init(_ what: String) { self.what = what }

            func message(root: String) -> String {
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

        func visitNil() -> JSONValue { .null }
        func visitBoolean(_ value: Bool) -> JSONValue { .bool(value) }
        func visitInteger(_ value: Int64) -> JSONValue { .int(value) }

        func visitNumber(_ value: Double) throws(Refusal) -> JSONValue {
            guard value.isFinite else { throw Refusal("is \(value), which JSON cannot carry") }
            return .double(value)
        }

        func visitString(at index: Int32, in stack: LuaStack) throws(Refusal) -> JSONValue {
            guard let text = stack.withBytes(at: index, { String(validating: $0, as: UTF8.self) }) ?? nil else {
                throw Refusal("is not valid UTF-8 text")
            }
            return .string(text)
        }

        func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) throws(Refusal) -> JSONValue {
            if type == .userdata, stack.hasMetatable(at: index, named: nullName) { return .null }
            throw Refusal("is a \(stack.typeName(at: index)), which cannot be sent as JSON")
        }

        func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) throws(Refusal) -> JSONValue {
            switch refusal {
            case .tooDeep: throw Refusal("is nested too deeply")
            case .cycle: throw Refusal("contains a cycle")
            case .stackExhausted: throw Refusal(": Lua stack exhausted")
            case .tooManyValues:
                throw Refusal("holds too many values: more than \(stack.valueBudget) in all, counting a table or string " +
                              "each time it is reached (the bound follows --max-memory)")
            }
        }

        mutating func visitTable(at i: Int32, walk: inout LuaWalk) throws(Refusal) -> JSONValue {
            let s = walk.stack
            let forcedArray = s.hasMetatable(at: i, named: arrayName)
            let forcedObject = s.hasMetatable(at: i, named: objectName)
            var pairs: [(key: JSONValue, value: JSONValue)] = []
            pairs.reserveCapacity(4)  // a call's parameters fit: no regrowth on the way there
            var allIntegerKeys = true
            try walk.forEachEntry(inTableAt: i) { (walk, k, v) throws(Refusal) in
                let key: JSONValue
                let pathKey: Key
                switch s.type(at: k) {
                case .string:
                    // a key string is copied each time its table is reached, as a value is
                    guard walk.spend(bytes: s.rawLength(k)) else {
                        _ = try self.refused(.tooManyValues, tableAt: k, in: s)  // throws
                        return false
                    }
                    let name = s.withBytes(at: k) { String(decoding: $0, as: UTF8.self) } ?? ""
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
                    throw Refusal("has a \(s.typeName(at: k)) key, which JSON cannot carry")
                }
                do throws(Refusal) {
                    pairs.append((key, try walk.visit(at: v, &self)))
                } catch {
                    var refusal = error
                    refusal.keys.append(pathKey)
                    throw refusal
                }
                return true
            }
            return try LuaJSON.table(&pairs, forcedArray: forcedArray, forcedObject: forcedObject, allIntegerKeys: allIntegerKeys)
        }
    }

    /// A table's entries as a JSON array (a sequence 1...n, or marked `b24.array`) or object.
    /// `pairs` is sorted in place for an object.
    private static func table(_ pairs: inout [(key: JSONValue, value: JSONValue)], forcedArray: Bool, forcedObject: Bool,
                              allIntegerKeys: Bool) throws(Reader.Refusal) -> JSONValue {
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
            throw Reader.Refusal("is marked b24.array but is not a sequence")
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
