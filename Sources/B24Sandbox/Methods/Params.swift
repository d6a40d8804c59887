import B24Wire

/// A method's parameters with PHP's reading of them: names are matched case-insensitively
/// (the imopenlines handlers upper-case their keys), and values go through `intval`, `empty`
/// and `is_numeric` as the server code does.
struct Params {
    let object: JSONObject
    /// Lower-cased names, the first spelling winning: one pass per request, so a lookup that
    /// misses stays O(1) however many parameters a client sends (docs/sandbox-wire.md). Not
    /// built for a handful of parameters (every call of the chat methods), which are scanned.
    private let folded: [String: JSONValue]?

    static let scanned = 8

    init(object: JSONObject) {
        self.object = object
        guard object.count > Self.scanned else {
            folded = nil
            return
        }
        var folded: [String: JSONValue] = [:]
        folded.reserveCapacity(object.count)
        for (k, v) in object where folded[k.lowercased()] == nil { folded[k.lowercased()] = v }
        self.folded = folded
    }

    subscript(_ name: String) -> JSONValue? {
        if let v = object[name] { return v }
        if let folded { return folded[name.lowercased()] }
        // Lower-casing keeps an ASCII name's length; only other names need a closer look.
        let lower = name.lowercased()
        let ascii = name.allUTF8Bytes { $0 < 0x80 }
        for (k, v) in object where !ascii || k.utf8.count == name.utf8.count || !k.allUTF8Bytes({ $0 < 0x80 }) {
            if k.lowercased() == lower { return v }
        }
        return nil
    }

    func string(_ name: String) -> String { PHP.string(self[name]) }

    func int(_ name: String) -> Int64 { PHP.intval(self[name]) }
    func isEmpty(_ name: String) -> Bool { PHP.isEmpty(self[name]) }
    func isNumeric(_ name: String) -> Bool { PHP.isNumeric(self[name]) }
}

/// The handful of PHP conversions the handlers rely on.
enum PHP {
    static func intval(_ v: JSONValue?) -> Int64 {
        switch v {
        case .int(let n)?: return n
        case .double(let d)? where d.isFinite && abs(d) < 9.2e18: return Int64(d)
        case .bool(let b)?: return b ? 1 : 0
        case .string(let s)?:
            // Leading spaces, a sign and digits; the rest is ignored.
            var chars = Substring(s).drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            var sign: Int64 = 1
            if chars.first == "-" { sign = -1; chars = chars.dropFirst() } else if chars.first == "+" { chars = chars.dropFirst() }
            let digits = chars.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return 0 }
            return (Int64(digits) ?? Int64.max) * sign
        case .array(let a)?: return a.isEmpty ? 0 : 1
        case .object(let o)?: return o.isEmpty ? 0 : 1
        default: return 0
        }
    }

    /// A value as the handlers read it as a string (`(string)` of a scalar, "" otherwise).
    static func string(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: s
        case .int(let n)?: String(n)
        case .double(let d)?: String(d)
        case .bool(let b)?: b ? "1" : ""
        default: ""
        }
    }

    static func isEmpty(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null?: true
        case .string(let s)?: s.isEmpty || s == "0"
        case .int(let n)?: n == 0
        case .double(let d)?: d == 0
        case .bool(let b)?: !b
        case .array(let a)?: a.isEmpty
        case .object(let o)?: o.isEmpty
        }
    }

    static func isNumeric(_ v: JSONValue?) -> Bool {
        switch v {
        case .int?, .double?: return true
        case .string(let s)?:
            let t = s.drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            guard let first = t.first, first.isNumber || first == "-" || first == "+" || first == "." else { return false }
            return Double(t) != nil && !t.lowercased().contains("n") && !t.lowercased().contains("x")
        default: return false
        }
    }
}

/// The authenticated caller a method runs as.
struct Caller {
    var user: Int64
    /// A webhook's or app's few scopes, searched in order: no set is built per request.
    var scopes: [String]
    var isWebhook: Bool
    /// Identifies the webhook or app for the operating budget.
    var key: Key

    enum Key: Hashable {
        case webhook(index: Int)
        case app(clientID: String)
    }
}

/// An operating budget's owner: one caller and one method (docs/bitrix24-rest.md §5), the
/// method by its `MethodSpec.id` (only the method table's methods have a budget).
struct BudgetKey: Hashable {
    var caller: Caller.Key
    var method: Int
}

/// A method's answer before it is wrapped in the envelope.
struct MethodResult {
    var result: JSONValue
    var total: Int64? = nil
    var next: Int64? = nil
}

/// The list methods' paging (docs/bitrix24-rest.md §2.5): fixed pages of 50; `start=-1` skips the count.
enum Paging {
    static let pageSize = MethodCatalog.pageSize

    static func page<T>(_ rows: [T], start: JSONValue?, _ render: (T) -> JSONValue) -> MethodResult {
        let s = PHP.intval(start)
        if s == -1 {
            return MethodResult(result: .array(rows.prefix(pageSize).map(render)), total: 0)
        }
        let from = Int(max(0, min(s, Int64(rows.count))))
        let slice = rows[from..<min(rows.count, from + pageSize)]
        let next = from + pageSize < rows.count ? Int64(from + pageSize) : nil
        return MethodResult(result: .array(slice.map(render)), total: Int64(rows.count), next: next)
    }
}
