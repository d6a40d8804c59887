// The JSON of the Bitrix24 wire, as a value. Objects keep their key order (a `batch` runs its
// `cmd` map in order) and integers stay apart from floats (ids must round-trip exactly).

public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An insertion-ordered JSON object. Its members are one array; past `indexedFrom` members a
/// hashed index of the keys comes with it, so lookup and insert stay O(1) and an object with
/// 200,000 keys parses in linear time (docs/sandbox-wire.md). Below that, a key is found by
/// comparing: most objects on the wire are small (a call's parameters, the `time` block), and
/// for them one array costs less than any hash table (docs/performance.md). A key set again
/// keeps its place.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)
    /// The members in order.
    private var pairs: [Element] = []
    /// Each key's place in `pairs`; nil while the object has fewer than `indexedFrom` members.
    private var index: [String: Int]?
    /// How many members an object has before its keys are hashed.
    static let indexedFrom = 16

    public init() {}
    public init(_ members: [(String, JSONValue)]) {
        pairs.reserveCapacity(members.count)
        for (k, v) in members { self[k] = v }
    }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
    /// Members whose keys the caller knows to be distinct (a fixed list of literal names): no
    /// key is looked up while they are stored.
    public init(distinctMembers members: KeyValuePairs<String, JSONValue>) {
        pairs.reserveCapacity(members.count)
        for m in members { pairs.append((m.key, m.value)) }
        if pairs.count >= Self.indexedFrom { buildIndex() }
    }

    /// The same from an array, which becomes the object's own: the members are not copied.
    public init(distinctMembers members: [(key: String, value: JSONValue)]) {
        pairs = members
        if pairs.count >= Self.indexedFrom { buildIndex() }
    }

    /// The members in order, as an array (a copy: prefer iterating the object itself).
    public var members: [(key: String, value: JSONValue)] { pairs }
    public var keys: [String] { pairs.map(\.key) }
    public var values: [JSONValue] { pairs.map(\.value) }
    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }
    /// The first member in order, without copying the rest.
    public var first: (key: String, value: JSONValue)? { pairs.first }

    /// Where `key` is in `pairs`.
    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return pairs.firstIndex { $0.key == key }
    }

    private mutating func buildIndex() {
        var index = [String: Int](minimumCapacity: pairs.count)
        for (i, p) in pairs.enumerated() { index[p.key] = i }
        self.index = index
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { pairs[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let i?, let v?):
                pairs[i].value = v
            case (nil, let v?):
                pairs.append((key, v))
                if index != nil {
                    index![key] = pairs.count - 1
                } else if pairs.count >= Self.indexedFrom {
                    buildIndex()
                }
            case (let i?, nil):
                pairs.remove(at: i)
                if index != nil { buildIndex() }
            case (nil, nil):
                break
            }
        }
    }

    public mutating func reserveCapacity(_ n: Int) {
        pairs.reserveCapacity(n)
        if n >= Self.indexedFrom, index == nil {
            buildIndex()
            index!.reserveCapacity(n)
        }
    }

    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Element]>
        public mutating func next() -> (key: String, value: JSONValue)? { base.next() }
    }

    public func makeIterator() -> Iterator { Iterator(base: pairs.makeIterator()) }
    public var underestimatedCount: Int { pairs.count }

    /// Equal when the same keys hold equal values in the same order (order is part of the wire).
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pairs.count)
        for p in pairs {
            hasher.combine(p.key)
            hasher.combine(p.value)
        }
    }
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
            for (_, v) in o where deepest <= limit - 1 { deepest = max(deepest, v.depth(limit: limit - 1)) }
            return 1 + deepest
        default:
            return 0
        }
    }
}
