import B24Wire
import OrderedCollections

/// PHP's `parse_str` as the portal applies it to query strings, form bodies and `batch` commands:
/// `a=1&f[TITLE]=x&select[]=ID&select[]=NAME`. Values stay strings (PHP does not type them);
/// a map whose keys are 0...n-1 in order becomes an array, as `json_encode` would print it.
///
/// PHP's limits hold (docs/sandbox-wire.md): at most `maxVariables` fields are read, the rest
/// ignored (`max_input_vars`); a name nested deeper than `maxNesting` brackets is dropped with its
/// whole variable (`max_input_nesting_level`). Every field costs time linear in its length.
public enum PHPQuery {
    /// PHP's default `max_input_vars`.
    public static let maxVariables = 1000
    /// PHP's default `max_input_nesting_level` (`JSONNesting.portalInput`).
    public static let maxNesting = JSONNesting.portalInput

    public static func parse(_ query: String) -> JSONObject {
        parse(bytes: Array(query.utf8))
    }

    public static func parse(bytes: [UInt8]) -> JSONObject {
        var tree = PHPTree()
        var count = 0
        var start = 0
        while start <= bytes.count, count < maxVariables {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                count += 1
                let pair = bytes[start..<end]
                let eq = pair.firstIndex(of: UInt8(ascii: "="))
                let key = percentDecode(pair[..<(eq ?? end)])
                let value = eq.map { percentDecode(pair[($0 + 1)...]) } ?? ""
                tree.insert(key: key, value: value)
            }
            start = end + 1
        }
        return tree.objectValue
    }

    /// `+` is a space; a malformed `%` escape is kept as written, as PHP does.
    public static func percentDecode(_ s: Substring) -> String {
        percentDecode(Array(s.utf8)[...])
    }

    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { percentDecode($0) }
    }

    static func percentDecode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    /// `f[a][]` → ("f", ["a", nil]); nil is PHP's "append". An unclosed bracket keeps the key
    /// literal; text after the last `]` is ignored. nil when the name nests deeper than PHP allows.
    static func splitKey(_ key: String) -> (base: String, path: [String?])? {
        let u = Array(key.utf8)
        guard let open = u.firstIndex(of: UInt8(ascii: "[")) else { return (key, []) }
        var path: [String?] = []
        var i = open
        while i < u.count, u[i] == UInt8(ascii: "[") {
            guard let close = u[(i + 1)...].firstIndex(of: UInt8(ascii: "]")) else { break }
            guard path.count < maxNesting else { return nil }
            path.append(close == i + 1 ? nil : String(decoding: u[(i + 1)..<close], as: UTF8.self))
            i = close + 1
        }
        if path.isEmpty { return (key, []) }
        return (String(decoding: u[..<open], as: UTF8.self), path)
    }
}

/// PHP arrays under construction, in one arena so a field is inserted without copying the maps
/// above it: a node's children map a key to a node index.
package struct PHPTree {
    enum Node {
        case leaf(String)
        case map(OrderedDictionary<String, Int>, next: Int64?)
    }

    private var nodes: [Node] = [.map([:], next: 0)]

    package init() {}

    /// Adds one `name=value` field, name in bracket syntax (also used for multipart fields).
    package mutating func insert(key: String, value: String) {
        guard let (base, path) = PHPQuery.splitKey(key) else {
            // PHP drops a too-deep variable together with what was already read under its name.
            remove(base: String(key.prefix { $0 != "[" }))
            return
        }
        guard !base.isEmpty else { return }
        var node = 0
        let keys: [String?] = [base] + path
        for (depth, k) in keys.enumerated() {
            guard let (name, child) = slot(in: node, key: k) else { return }   // no next index left
            if depth == keys.count - 1 {
                if let child { nodes[child] = .leaf(value) } else { append(name, .leaf(value), to: node) }
            } else if let child, case .map = nodes[child] {
                node = child
            } else if let child {
                nodes[child] = .map([:], next: 0)
                node = child
            } else {
                node = append(name, .map([:], next: 0), to: node)
            }
        }
    }

    /// The key a path segment names in `node` (the next free index for `[]`) and its existing child.
    private mutating func slot(in node: Int, key: String?) -> (String, Int?)? {
        guard case .map(let children, var next) = nodes[node] else { return nil }
        defer { nodes[node] = .map(children, next: next) }
        let name: String
        if let key {
            name = key
            if let n = Self.integerKey(key), let free = next, n >= free {
                next = n == .max ? nil : n + 1   // PHP: no next element after PHP_INT_MAX
            }
        } else {
            guard let free = next else { return nil }
            name = String(free)
            next = free == .max ? nil : free + 1
        }
        return (name, children[name])
    }

    @discardableResult
    private mutating func append(_ name: String, _ child: Node, to node: Int) -> Int {
        nodes.append(child)
        let index = nodes.count - 1
        guard case .map(var children, let next) = nodes[node] else { return index }
        nodes[node] = .leaf("")   // keep `children` uniquely referenced while it changes
        children[name] = index
        nodes[node] = .map(children, next: next)
        return index
    }

    private mutating func remove(base: String) {
        guard case .map(var children, let next) = nodes[0] else { return }
        children[base] = nil
        nodes[0] = .map(children, next: next)
    }

    /// PHP's integer-key test: canonical decimal (no sign but `-`, no leading zero) within 64 bits.
    static func integerKey(_ k: String) -> Int64? {
        let u = k.utf8
        guard let first = u.first, u.count <= 20 else { return nil }
        let digits = first == UInt8(ascii: "-") ? u.dropFirst() : u[...]
        guard let d0 = digits.first, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if d0 == 48 && (digits.count > 1 || first == UInt8(ascii: "-")) { return nil }
        return Int64(k)
    }

    package var objectValue: JSONObject { object(of: 0) }

    private func object(of node: Int) -> JSONObject {
        guard case .map(let children, _) = nodes[node] else { return JSONObject() }
        var o = JSONObject()
        o.reserveCapacity(children.count)
        for (k, child) in children { o[k] = json(of: child) }
        return o
    }

    private func json(of node: Int) -> JSONValue {
        switch nodes[node] {
        case .leaf(let s): return .string(s)
        case .map: return PHPArray.json(object(of: node))
        }
    }
}

/// How `json_encode` prints a PHP array: a list when its keys are 0...n-1 in order (so an empty
/// one is `[]`), an object otherwise.
enum PHPArray {
    static func json(_ o: JSONObject) -> JSONValue {
        var i = 0
        for (k, _) in o {
            guard k == String(i) else { return .object(o) }
            i += 1
        }
        return .array(o.values)
    }
}
