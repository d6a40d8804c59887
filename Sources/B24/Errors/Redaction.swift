import B24Wire

// The one redaction function (docs/architecture.md rule 7). Logs, errors and anything that prints a URL
// go through `Redaction.redact`. It masks the secrets registered by the client (webhook code,
// tokens, client secret) wherever they appear, and, generically, the code segment of
// `/rest/USER/CODE/` and the values of auth-carrying query and JSON keys, so even a secret
// never registered (a token from a refresh in flight, a pasted URL) stays hidden.
// `redact(url:)` is the same function for a URL that failed to parse (it masks more, since the
// code's position is unknown); `redact(json:)` is the same function applied to every string of
// a JSON value (journal parameters, the dry-run plan).
import Synchronization

public enum Redaction {
    public static let mask = "***"

    private static let secrets = Mutex<Set<String>>([])

    /// Registers a secret to mask everywhere. Short strings are ignored: masking "1" would
    /// garble every number in a log line.
    public static func register(_ secret: String) {
        guard secret.utf8.count >= 6 else { return }
        secrets.withLock { _ = $0.insert(secret) }
    }

    static let secretKeys = ["auth", "access_token", "refresh_token", "client_secret", "password", "code"]

    public static func redact(_ text: String) -> String {
        var out = text
        let known = secrets.withLock { $0 }
        // Longest first, so a secret containing another is masked whole.
        for s in known.sorted(by: { $0.utf8.count > $1.utf8.count }) where out.contains(s) {
            out = out.replacing(s, with: mask)
        }
        out = maskWebhookPath(out)
        out = maskUserInfo(out)
        for key in secretKeys {
            out = maskQueryValue(out, key: key)
            out = maskJSONValue(out, key: key)
        }
        return out
    }

    /// `/rest/12/abcdef/...` → `/rest/12/***/...`: the segment after a numeric user id is a webhook code.
    static func maskWebhookPath(_ text: String) -> String {
        var chars = Array(text.utf8)
        let marker = Array("/rest/".utf8)
        var i = 0
        while i + marker.count <= chars.count {
            guard chars[i..<(i + marker.count)].elementsEqual(marker) else { i += 1; continue }
            var j = i + marker.count
            let userStart = j
            while j < chars.count, chars[j] >= 48, chars[j] <= 57 { j += 1 }
            guard j > userStart, j < chars.count, chars[j] == UInt8(ascii: "/") else { i += 1; continue }
            let codeStart = j + 1
            var k = codeStart
            while k < chars.count, !isDelimiter(chars[k]) { k += 1 }
            // `/rest/1/user.get` ends in a method name, not a code; but a segment followed by '/'
            // stands where the code stands (`/rest/1/CODE/method`), dots or not, and a URL missing
            // its trailing slash still ends in a code: mask any segment that is not a method name.
            if k > codeStart {
                let segment = chars[codeStart..<k]
                let followedBySlash = k < chars.count && chars[k] == UInt8(ascii: "/")
                let isMethodName = segment.contains(UInt8(ascii: ".")) && !followedBySlash
                let isMasked = segment.elementsEqual(Array(mask.utf8))
                if !isMethodName && !isMasked {
                    chars.replaceSubrange(codeStart..<k, with: Array(mask.utf8))
                    k = codeStart + mask.utf8.count
                }
            }
            i = k
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// `scheme://user:password@host` → `scheme://***@host`: a password pasted into a URL.
    static func maskUserInfo(_ text: String) -> String {
        var chars = Array(text.utf8)
        let marker = Array("://".utf8)
        var i = 0
        while i + marker.count <= chars.count {
            guard chars[i..<(i + marker.count)].elementsEqual(marker) else { i += 1; continue }
            let start = i + marker.count
            var end = start
            while end < chars.count, chars[end] != UInt8(ascii: "@"), !isDelimiter(chars[end]) { end += 1 }
            if end < chars.count, chars[end] == UInt8(ascii: "@"), end > start,
               !chars[start..<end].elementsEqual(Array(mask.utf8)) {
                chars.replaceSubrange(start..<end, with: Array(mask.utf8))
                end = start + mask.utf8.count
            }
            i = end
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// A URL that could not be parsed, for an error message: the scheme, the host and the path
    /// up to `rest`, then only a numeric user id; every other segment after `rest` (or every
    /// segment, when there is no `rest`), the user info and the query values are masked. Text
    /// without `://` shows only what precedes its first `/` if that looks like a host name.
    public static func redact(url text: String) -> String {
        var rest = Substring(text)
        var out = ""
        if let r = text.firstRange(of: "://") {
            out = String(text[..<r.upperBound])
            rest = text[r.upperBound...]
        }
        var authorityEnd = rest.endIndex
        for (idx, c) in zip(rest.indices, rest) where c == "/" || c == "?" || c == "#" { authorityEnd = idx; break }
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...]; out += mask + "@" }
        if out.isEmpty && (authority.contains(".") == false || authorityEnd == rest.endIndex) {
            return redact(mask + (authorityEnd == rest.endIndex ? "" : "/…"))
        }
        out += authority
        var tail = rest[authorityEnd...]
        var query: Substring?
        if let q = tail.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            query = tail[q...]
            tail = tail[..<q]
        }
        let segments = tail.split(separator: "/", omittingEmptySubsequences: false)
        let restIndex = segments.firstIndex(of: "rest")
        var shown: [String] = []
        for (n, seg) in segments.enumerated() {
            if seg.isEmpty { shown.append(""); continue }
            if let restIndex, n <= restIndex { shown.append(String(seg)); continue }
            if let restIndex, n == restIndex + 1, seg.allSatisfy(\.isNumber) { shown.append(String(seg)); continue }
            shown.append(mask)
        }
        out += shown.joined(separator: "/")
        if let query { out += query.first == "?" ? "?" + mask : "" }
        return redact(out)
    }

    /// The same redaction over a JSON value: every string (keys too) goes through `redact`, and
    /// the value of a secret-carrying key is masked whatever its type.
    public static func redact(json value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(redact(s))
        case .array(let a): return .array(a.map { redact(json: $0) })
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o {
                out[redact(k)] = secretKeys.contains(k) && v != .null ? .string(mask) : redact(json: v)
            }
            return .object(out)
        default: return value
        }
    }

    static func isDelimiter(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") || c == UInt8(ascii: " ")
            || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "&") || c < 0x20
    }

    /// `key=value` after `?`, `&` or a space: the value up to the next `&`, space or quote.
    static func maskQueryValue(_ text: String, key: String) -> String {
        var chars = Array(text.utf8)
        let needle = Array((key + "=").utf8)
        var i = 0
        while i + needle.count <= chars.count {
            let boundary = i == 0 || [UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: " ")].contains(chars[i - 1])
            guard boundary, chars[i..<(i + needle.count)].elementsEqual(needle) else { i += 1; continue }
            let start = i + needle.count
            var end = start
            while end < chars.count, chars[end] != UInt8(ascii: "&"), chars[end] != UInt8(ascii: " "),
                  chars[end] != UInt8(ascii: "\""), chars[end] != UInt8(ascii: "#"), chars[end] >= 0x20 { end += 1 }
            if end > start, !chars[start..<end].elementsEqual(Array(mask.utf8)) {
                chars.replaceSubrange(start..<end, with: Array(mask.utf8))
                end = start + mask.utf8.count
            }
            i = end
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// `"key":"value"` in JSON text (a request body in a log line).
    static func maskJSONValue(_ text: String, key: String) -> String {
        var chars = Array(text.utf8)
        let needle = Array("\"\(key)\"".utf8)
        var i = 0
        while i + needle.count <= chars.count {
            guard chars[i..<(i + needle.count)].elementsEqual(needle) else { i += 1; continue }
            var j = i + needle.count
            while j < chars.count, chars[j] == UInt8(ascii: " ") { j += 1 }
            guard j < chars.count, chars[j] == UInt8(ascii: ":") else { i = j; continue }
            j += 1
            while j < chars.count, chars[j] == UInt8(ascii: " ") { j += 1 }
            guard j < chars.count, chars[j] == UInt8(ascii: "\"") else { i = j; continue }
            let start = j + 1
            var end = start
            while end < chars.count, chars[end] != UInt8(ascii: "\"") {
                end += chars[end] == UInt8(ascii: "\\") ? 2 : 1
            }
            end = min(end, chars.count)
            if end > start, !chars[start..<end].elementsEqual(Array(mask.utf8)) {
                chars.replaceSubrange(start..<end, with: Array(mask.utf8))
                end = start + mask.utf8.count
            }
            i = end
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
