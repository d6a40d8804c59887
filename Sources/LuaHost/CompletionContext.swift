/// What the text before the cursor asks to complete, read without a Lua state: a name
/// (`pri`), a field or method of a dotted path (`b24.chat_u`, `s:up`), or a key of the
/// argument table of a call (`b24.chat_user_delete{entity_type = "lead", us`).
public struct CompletionContext: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case name
        case field(path: [String], method: Bool)
        /// Inside `path{ ... }` or `path({ ... })`, where a key may be typed.
        case argumentKey(function: [String], given: [String])
    }

    public var kind: Kind
    /// The part of the last name already typed.
    public var partial: String
    /// What precedes `partial` in the word being completed ("b24." for "b24.chat_u"): every
    /// completion starts with it, as the line editor replaces the whole word.
    public var wordPrefix: String

    public init(kind: Kind, partial: String, wordPrefix: String) {
        self.kind = kind
        self.partial = partial
        self.wordPrefix = wordPrefix
    }

    /// nil inside a string or a comment, after a number, or after an expression that cannot be
    /// resolved without running code (`f().x`).
    public static func parse(_ text: String) -> CompletionContext? {
        let bytes = Array(text.utf8)
        let scan = Scan(bytes)
        guard !scan.inStringOrComment else { return nil }

        var start = bytes.count
        while start > 0, isWordByte(bytes[start - 1]) { start -= 1 }
        let word = Array(bytes[start...])
        if let first = word.first, isDigit(first) || isSeparator(first) { return nil }
        if start > 0, bytes[start - 1] == UInt8(ascii: ")") || bytes[start - 1] == UInt8(ascii: "]") { return nil }

        let lastSeparator = word.lastIndex(where: isSeparator)
        let partial = String(decoding: word[(lastSeparator.map { $0 + 1 } ?? 0)...], as: UTF8.self)
        guard let lastSeparator else {
            if let call = argumentCall(bytes, wordStart: start, scan: scan) {
                return CompletionContext(kind: call, partial: partial, wordPrefix: "")
            }
            return CompletionContext(kind: .name, partial: partial, wordPrefix: "")
        }
        let pathText = word[..<lastSeparator]
        guard !pathText.contains(UInt8(ascii: ":")) else { return nil }  // `a:b.c` is not a path
        let path = pathText.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard path.allSatisfy(InspectedValue.isIdentifier) else { return nil }
        return CompletionContext(kind: .field(path: path, method: word[lastSeparator] == UInt8(ascii: ":")),
                                 partial: partial,
                                 wordPrefix: String(decoding: word[...lastSeparator], as: UTF8.self))
    }

    /// `NAME{` or `NAME({` right before an innermost open brace, with the cursor where a key
    /// goes (just after the brace or a comma).
    private static func argumentCall(_ bytes: [UInt8], wordStart: Int, scan: Scan) -> Kind? {
        guard let brace = scan.openBrackets.last, bytes[brace] == UInt8(ascii: "{") else { return nil }
        var before = wordStart
        while before > 0, isSpace(bytes[before - 1]) { before -= 1 }
        guard before > 0, bytes[before - 1] == UInt8(ascii: "{") || bytes[before - 1] == UInt8(ascii: ",") else { return nil }

        var end = brace
        while end > 0, isSpace(bytes[end - 1]) { end -= 1 }
        if end > 0, bytes[end - 1] == UInt8(ascii: "(") {
            end -= 1
            while end > 0, isSpace(bytes[end - 1]) { end -= 1 }
        }
        var nameStart = end
        while nameStart > 0, isWordByte(bytes[nameStart - 1]) { nameStart -= 1 }
        let path = bytes[nameStart..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard !path.isEmpty, path.allSatisfy(InspectedValue.isIdentifier) else { return nil }
        return .argumentKey(function: path, given: givenKeys(bytes[(brace + 1)..<wordStart]))
    }

    /// Names followed by `=` (not `==`) in the argument table typed so far.
    private static func givenKeys(_ bytes: ArraySlice<UInt8>) -> [String] {
        var keys: [String] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard isWordByte(bytes[i]), !isSeparator(bytes[i]) else { i += 1; continue }
            var j = i
            while j < bytes.endIndex, isWordByte(bytes[j]), !isSeparator(bytes[j]) { j += 1 }
            var k = j
            while k < bytes.endIndex, isSpace(bytes[k]) { k += 1 }
            if k < bytes.endIndex, bytes[k] == UInt8(ascii: "="),
               k + 1 >= bytes.endIndex || bytes[k + 1] != UInt8(ascii: "=") {
                keys.append(String(decoding: bytes[i..<j], as: UTF8.self))
            }
            i = j
        }
        return keys
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || isSeparator(c) || isDigit(c) || c >= 0x80
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
    }

    static func isSeparator(_ c: UInt8) -> Bool { c == UInt8(ascii: ".") || c == UInt8(ascii: ":") }
    static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0d).contains(c) }
}

/// A rough lexical pass over the text: enough to tell whether the end is inside a string or a
/// comment, and where the brackets still open are.
private struct Scan {
    var inStringOrComment = false
    var openBrackets: [Int] = []

    init(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                i += 1
                while i < bytes.count, bytes[i] != c {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
                if i >= bytes.count { inStringOrComment = true; return }
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                if i >= bytes.count { inStringOrComment = true; return }
            case UInt8(ascii: "["):
                // A long string `[[` or `[==[` runs to its closing bracket.
                var j = i + 1
                while j < bytes.count, bytes[j] == UInt8(ascii: "=") { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "[") {
                    let close = [UInt8(ascii: "]")] + Array(repeating: UInt8(ascii: "="), count: j - i - 1) + [UInt8(ascii: "]")]
                    guard let end = Scan.find(close, in: bytes, from: j + 1) else { inStringOrComment = true; return }
                    i = end + close.count - 1
                } else {
                    openBrackets.append(i)
                }
            case UInt8(ascii: "{"), UInt8(ascii: "("):
                openBrackets.append(i)
            case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                if !openBrackets.isEmpty { openBrackets.removeLast() }
            default: break
            }
            i += 1
        }
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var i = from
        while i + needle.count <= bytes.count {
            if Array(bytes[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
