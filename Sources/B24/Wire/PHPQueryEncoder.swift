import B24Wire

// Params as a PHP query string (`fields[TITLE]=x&select[]=ID`), the form a `batch` command's
// `cmd` value takes: the portal reads it with `parse_str`, so the bracket syntax is the only way
// to send nested values there.

public enum PHPQueryEncoder {
    /// Encodes an object's members in order. A non-object top level has no key to hang on and
    /// encodes to "".
    public static func encode(_ params: JSONValue) -> String {
        guard case .object(let obj) = params else { return "" }
        var pairs: [String] = []
        for (key, value) in obj { append(value, key: escapeKey(key), to: &pairs) }
        return pairs.joined(separator: "&")
    }

    static func append(_ value: JSONValue, key: String, to pairs: inout [String]) {
        switch value {
        case .object(let obj) where !obj.isEmpty:
            for (k, v) in obj { append(v, key: "\(key)[\(escapeKey(k))]", to: &pairs) }
        case .array(let items) where !items.isEmpty:
            // `[]` reads best, but `a[][x]=1&a[][y]=2` would make two elements in PHP: index
            // explicitly as soon as one element is itself a container.
            let nested = items.contains { if case .array = $0 { true } else if case .object = $0 { true } else { false } }
            for (i, v) in items.enumerated() { append(v, key: nested ? "\(key)[\(i)]" : "\(key)[]", to: &pairs) }
        case .object, .array:
            pairs.append("\(key)=")  // PHP cannot spell an empty array in a query string.
        default:
            pairs.append("\(key)=\(escapeValue(scalarText(value)))")
        }
    }

    /// PHP's own `(string)` casts, except false, which PHP prints as "" and we send as "0" so it
    /// stays distinguishable from an absent value.
    static func scalarText(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "1" : "0"
        case .int(let n): return String(n)
        case .double(let d): return JSONValue.double(d).serialized()
        case .string(let s): return s
        default: return ""
        }
    }

    static func escapeKey(_ key: String) -> String { percentEncode(key, keep: []) }

    /// `$result[key][0]` references stay literal so the portal can find them before or after decoding.
    static func escapeValue(_ value: String) -> String {
        percentEncode(value, keep: value.contains("$result") ? Set("$[]".utf8) : [])
    }

    static func percentEncode(_ s: String, keep: Set<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for c in s.utf8 {
            let unreserved = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "~")
            if unreserved || keep.contains(c) {
                out.append(c)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(c >> 4)], hex[Int(c & 15)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
