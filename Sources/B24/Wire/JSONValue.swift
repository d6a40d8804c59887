// The JSON of the Bitrix24 wire, as a value. Objects keep their key order (a `batch` runs its
// `cmd` map in order) and integers stay apart from floats (ids must round-trip exactly).

import OrderedCollections

public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An insertion-ordered JSON object with hashed keys: lookup and insert are O(1), so an object
/// with 200,000 keys parses in linear time (docs/sandbox-wire.md). A key set again keeps its place.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)
    var storage: OrderedDictionary<String, JSONValue> = [:]

    public init() {}
    public init(_ members: [(String, JSONValue)]) {
        storage.reserveCapacity(members.count)
        for (k, v) in members { storage[k] = v }
    }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
    /// Members whose keys the caller knows to be distinct (a fixed list of literal names): no
    /// key is looked up while they are stored.
    public init(distinctMembers members: KeyValuePairs<String, JSONValue>) {
        storage = OrderedDictionary(uncheckedUniqueKeysWithValues: members.lazy.map { ($0.key, $0.value) })
    }

    /// The members in order, as an array (a copy: prefer iterating the object itself).
    public var members: [(key: String, value: JSONValue)] { storage.elements.map { ($0.key, $0.value) } }
    public var keys: [String] { Array(storage.keys) }
    public var values: [JSONValue] { Array(storage.values) }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }
    /// The first member in order, without copying the rest.
    public var first: (key: String, value: JSONValue)? { storage.elements.first.map { ($0.key, $0.value) } }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    public mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }

    public struct Iterator: IteratorProtocol {
        var base: OrderedDictionary<String, JSONValue>.Elements.Iterator
        public mutating func next() -> (key: String, value: JSONValue)? {
            base.next().map { ($0.key, $0.value) }
        }
    }

    public func makeIterator() -> Iterator { Iterator(base: storage.elements.makeIterator()) }
    public var underestimatedCount: Int { storage.count }

    /// Equal when the same keys hold equal values in the same order (order is part of the wire).
    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.storage == b.storage }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Integers, integral floats and decimal strings, as PHP's `(int)` on an id would read them.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        case .string(let s): return Int64(s.trimmingSpaces())
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool { self == .null }
}

extension String {
    func trimmingSpaces() -> Substring {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)] == " " { end = scalars.index(before: end) }
        return Substring(scalars[start..<end])
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue {
    /// How deeply containers nest, counted as the parser counts them (a flat object is 1); stops
    /// looking past `limit`, so the answer is at most `limit + 1`.
    public func depth(limit: Int) -> Int {
        switch self {
        case .array(let a):
            var deepest = 0
            for v in a where deepest <= limit - 1 { deepest = max(deepest, v.depth(limit: limit - 1)) }
            return 1 + deepest
        case .object(let o):
            var deepest = 0
            for v in o.values where deepest <= limit - 1 { deepest = max(deepest, v.depth(limit: limit - 1)) }
            return 1 + deepest
        default:
            return 0
        }
    }
}
