/// The text fields of a `multipart/form-data` body (file parts are kept as their bytes' text);
/// enough for clients that post forms instead of JSON.
package enum Multipart {
    /// RFC 2046 caps a boundary at 70 characters; that also keeps the byte search linear.
    static let maxBoundary = 70

    /// At most `limit` fields (PHP's `max_input_vars`, docs/sandbox-wire.md); later parts are not read.
    package static func fields(body: [UInt8], contentType: String, limit: Int = PHPQuery.maxVariables)
        -> [(name: String, value: String)]
    {
        guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty,
              boundary.utf8.count <= maxBoundary else { return [] }
        let delimiter = Array("--\(boundary)".utf8)
        var out: [(String, String)] = []
        for part in split(body, on: delimiter, limit: limit + 1).dropFirst() {
            var p = part[...]
            if p.starts(with: Array("--".utf8)) { break }
            if p.starts(with: [13, 10]) { p = p.dropFirst(2) }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: p) else { continue }
            let headers = String(decoding: p[p.startIndex..<headerEnd], as: UTF8.self)
            var content = p[(headerEnd + 4)...]
            if content.hasSuffix([13, 10]) { content = content.dropLast(2) }
            guard let disposition = headers.split(separator: "\r\n").first(where: {
                $0.lowercased().hasPrefix("content-disposition:")
            }), let name = parameter("name", of: String(disposition)) else { continue }
            out.append((name, String(decoding: content, as: UTF8.self)))
        }
        return out
    }

    /// `name="value"` or `name=value` inside a header value.
    static func parameter(_ name: String, of header: String) -> String? {
        for piece in header.split(separator: ";") {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: " ").lowercased() == name else { continue }
            var v = kv[1].trimmingCharacters(in: " ")
            if v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    static func split(_ bytes: [UInt8], on d: [UInt8], limit: Int) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var rest = bytes[...]
        while parts.count < limit, let at = find(d, in: rest) {
            parts.append(rest[rest.startIndex..<at])
            rest = rest[(at + d.count)...]
        }
        if parts.count < limit { parts.append(rest) }
        return parts
    }

    static func find(_ needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = hay.startIndex
        while i + needle.count <= hay.endIndex {
            if hay[i] == needle[0], hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

extension ArraySlice where Element == UInt8 {
    func hasSuffix(_ s: [UInt8]) -> Bool { count >= s.count && suffix(s.count).elementsEqual(s) }
}
