import B24

/// PHP's `parse_str` as the portal applies it to query strings, form bodies and `batch` commands:
/// `a=1&f[TITLE]=x&select[]=ID&select[]=NAME`. Values stay strings (PHP does not type them);
/// a map whose keys are 0...n-1 in order becomes an array, as `json_encode` would print it.
public enum PHPQuery {
    public static func parse(_ query: String) -> JSONObject {
        var root = PHPNode.Map()
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(Substring(parts[0]))
            let value = parts.count > 1 ? percentDecode(Substring(parts[1])) : ""
            insert(key: key, value: value, into: &root)
        }
        return root.objectValue
    }

    /// Adds one `name=value` field, name in bracket syntax (also used for multipart fields).
    static func insert(key: String, value: String, into root: inout PHPNode.Map) {
        guard let (base, path) = splitKey(key), !base.isEmpty else { return }
        root.set(path: [base] + path, value: value)
    }

    /// `f[a][]` → ("f", ["a", nil]); nil is PHP's "append". An unclosed bracket keeps the key literal.
    static func splitKey(_ key: String) -> (String, [String?])? {
        guard let open = key.firstIndex(of: "[") else { return (key, []) }
        let base = String(key[..<open])
        var path: [String?] = []
        var rest = key[open...]
        while rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { break }
            let inner = String(rest[rest.index(after: rest.startIndex)..<close])
            path.append(inner.isEmpty ? nil : inner)
            rest = rest[rest.index(after: close)...]
        }
        if path.isEmpty { return (key, []) }
        return (base, path)
    }

    /// `+` is a space; a malformed `%` escape is kept as written, as PHP does.
    public static func percentDecode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
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
}

/// A PHP array under construction: ordered keys, and the next integer key for `[]`.
enum PHPNode {
    case leaf(String)
    case map(Map)

    struct Map {
        var members: [(key: String, value: PHPNode)] = []
        var nextIndex = 0

        mutating func set(path: [String?], value: String) {
            guard let first = path.first else { return }
            let key: String
            if let k = first {
                key = k
                if let n = Int(k), n >= nextIndex { nextIndex = n + 1 }
            } else {
                key = String(nextIndex)
                nextIndex += 1
            }
            let idx = members.firstIndex { $0.key == key }
            if path.count == 1 {
                if let idx { members[idx].value = .leaf(value) } else { members.append((key, .leaf(value))) }
                return
            }
            var child = Map()
            if let idx, case .map(let m) = members[idx].value { child = m }
            child.set(path: Array(path.dropFirst()), value: value)
            if let idx { members[idx].value = .map(child) } else { members.append((key, .map(child))) }
        }

        var objectValue: JSONObject {
            JSONObject(members.map { ($0.key, $0.value.json) })
        }
    }

    var json: JSONValue {
        switch self {
        case .leaf(let s): return .string(s)
        case .map(let m): return PHPArray.json(m.objectValue)
        }
    }
}

/// How `json_encode` prints a PHP array: a list when its keys are 0...n-1 in order (so an empty
/// one is `[]`), an object otherwise.
enum PHPArray {
    static func json(_ o: JSONObject) -> JSONValue {
        for (i, k) in o.keys.enumerated() where k != String(i) { return .object(o) }
        return .array(o.members.map(\.value))
    }
}
