#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How inspected values are laid out: a table whose one-line form fits `width` stays on one
/// line, a longer one gets one entry per line; a sequence of plain values always stays on one
/// line (it reads best that way, and lists of ids are the common case here).
public struct InspectionLayout: Sendable {
    public var width: Int
    public var indent: String

    public init(width: Int = 80, indent: String = "  ") {
        self.width = width
        self.indent = indent
    }
}

extension InspectedValue {
    /// The value as the REPL prints it: Lua literal syntax where there is one, placeholders
    /// (`<function>`, `<cycle>`, `{...}`) where there is not.
    public func rendered(layout: InspectionLayout = InspectionLayout()) -> String {
        render(depth: 0, nested: false, oneLine: false, layout: layout)
    }

    private func render(depth: Int, nested: Bool, oneLine: Bool, layout: InspectionLayout) -> String {
        switch self {
        case .nil: return "nil"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return Self.luaNumber(d)
        case .string(let bytes): return Self.quoted(bytes)
        case .described(let text): return nested ? "<\(text)>" : text
        case .opaque(let type): return "<\(type)>"
        case .cycle: return "<cycle>"
        case .elided: return "{...}"
        case .table(let table):
            return table.render(depth: depth, oneLine: oneLine, layout: layout)
        }
    }

    fileprivate var isTable: Bool {
        if case .table = self { return true }
        return false
    }

    fileprivate func renderNested(depth: Int, oneLine: Bool, layout: InspectionLayout) -> String {
        render(depth: depth, nested: true, oneLine: oneLine, layout: layout)
    }

    /// Lua's own `%.14g`, with ".0" on integral floats as Lua 5.4 prints them.
    static func luaNumber(_ d: Double) -> String {
        if d.isNaN { return d.sign == .minus ? "-nan" : "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buffer, buffer.count, "%.14g", $0) }
        let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.contains(where: { ".en".contains($0) }) ? text : text + ".0"
    }

    /// A double-quoted Lua string literal that reads back to the same bytes. Valid UTF-8 is kept
    /// readable; control bytes and stray high bytes become decimal escapes.
    static func quoted(_ bytes: [UInt8]) -> String {
        let validUTF8 = Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for (i, b) in bytes.enumerated() {
            switch b {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "\n"): out += Array(#"\n"#.utf8)
            case UInt8(ascii: "\r"): out += Array(#"\r"#.utf8)
            case UInt8(ascii: "\t"): out += Array(#"\t"#.utf8)
            case 0..<0x20, 0x7f:
                // Three digits when a digit follows, or the escape would swallow it.
                let next = i + 1 < bytes.count ? bytes[i + 1] : 0
                let digits = String(b)
                let width = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) ? 3 : digits.count
                out += Array(("\\" + String(repeating: "0", count: width - digits.count) + digits).utf8)
            case 0x80...0xff where !validUTF8:
                out += Array("\\\(b)".utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    public static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// True for names that can follow a dot: `t.name` instead of `t["name"]`.
    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && !keywords.contains(s)
    }

    private static func isLetter(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
    }
}

extension InspectedTable {
    fileprivate func render(depth: Int, oneLine: Bool, layout: InspectionLayout) -> String {
        let sequenceCount = Self.sequenceLength(entries.map(\.key))
        let sorted = entries.sorted { Self.displayPrecedes($0.key, $1.key, sequenceLength: sequenceCount) }
        if sorted.isEmpty && omitted == 0 { return "{}" }

        func items(oneLine: Bool) -> [String] {
            var out: [String] = []
            for (i, entry) in sorted.enumerated() {
                let value = entry.value.renderNested(depth: depth + 1, oneLine: oneLine, layout: layout)
                out.append(i < sequenceCount ? value : Self.renderKey(entry.key) + " = " + value)
            }
            if omitted > 0 { out.append("... (\(omitted) more)") }
            return out
        }

        let single = "{" + items(oneLine: true).joined(separator: ", ") + "}"
        let plainSequence = sequenceCount == sorted.count && !sorted.contains { $0.value.isTable }
        let column = depth * layout.indent.count
        if oneLine || plainSequence || column + single.count <= layout.width { return single }

        let inner = String(repeating: layout.indent, count: depth + 1)
        let outer = String(repeating: layout.indent, count: depth)
        return "{\n" + items(oneLine: false).map { inner + $0 + ",\n" }.joined() + outer + "}"
    }

    /// n when the keys 1...n are all present: those entries print first, without keys.
    public static func sequenceLength(_ keys: [InspectedValue]) -> Int {
        let integers = Set(keys.compactMap { key -> Int64? in
            if case .integer(let i) = key { return i }
            return nil
        })
        var n = 0
        while integers.contains(Int64(n + 1)) { n += 1 }
        return n
    }

    /// Display order: the sequence part first, then every other key in `keyPrecedes` order.
    public static func displayPrecedes(_ a: InspectedValue, _ b: InspectedValue, sequenceLength: Int) -> Bool {
        let (sa, sb) = (isInSequence(a, sequenceLength), isInSequence(b, sequenceLength))
        return sa != sb ? sa : InspectedValue.keyPrecedes(a, b)
    }

    static func isInSequence(_ key: InspectedValue, _ length: Int) -> Bool {
        if case .integer(let i) = key { return i >= 1 && i <= Int64(length) }
        return false
    }

    static func renderKey(_ key: InspectedValue) -> String {
        if case .string(let bytes) = key {
            let name = String(decoding: bytes, as: UTF8.self)
            if InspectedValue.isIdentifier(name), Array(name.utf8) == bytes { return name }
        }
        return "[" + key.rendered(layout: InspectionLayout(width: .max)) + "]"
    }
}
