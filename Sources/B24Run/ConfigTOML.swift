import B24
import B24Wire

/// The part of TOML that `config.toml` is written in (README "Choosing the portal"), read
/// line by line: comments, `[table]` headers with dotted and quoted names, and `key = value`
/// lines whose value is a string ("basic" or 'literal'), true or false, or a number. That is
/// all a profile holds; what TOML has beyond it (multi-line strings, arrays, inline tables,
/// arrays of tables, dates) is refused with the line it is on, never half read. Each key keeps
/// its line, so a bad setting is reported as `FILE:LINE` (ConfigSchema), and where its value
/// sits, so refreshed tokens are written back into the file as it was written, its comments
/// kept (`ConfigFile.storeTokens`). Our own reader rather than a TOML library: the library
/// brought the whole of Foundation into the binary (docs/performance.md, "Size").
struct ConfigTOML {
    /// A `key = value` line.
    struct Entry {
        /// The key's full path: the table in effect, then the key's dotted parts.
        let path: [String]
        /// The `[table]` in effect on the line (empty at the top).
        let table: [String]
        /// 0-based index of the line.
        let line: Int
        /// Where the value is written in the line, in Unicode scalars.
        let valueStart: Int, valueEnd: Int
    }

    struct SyntaxError: Error, CustomStringConvertible {
        /// 1-based.
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var document = JSONObject()
    private(set) var entries: [Entry] = []
    /// 0-based line of each `[table]` header.
    private(set) var headers: [[String]: Int] = [:]
    /// The first line (1-based) that names each key or table, or a key or table inside it.
    private(set) var lines = ConfigLines()

    init(_ text: String) throws(SyntaxError) {
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var table: [String] = []
        /// Tables that a header or a dotted key created: a header may not name one again.
        var defined: Set<[String]> = []
        // Split on the scalar: "\r\n" is one Character, which a split on "\n" would not see.
        for (index, raw) in scalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var reader = LineReader(raw, line: index + 1)
            reader.skipSpaces()
            if reader.atEndOrComment { continue }
            if reader.peek == "[" {
                reader.advance()
                if reader.peek == "[" { throw reader.error("arrays of tables ([[...]]) are not used in config.toml") }
                let path = try reader.key()
                try reader.expect("]", "a table header must end with ']'")
                try reader.expectEnd()
                guard !defined.contains(path) else { throw reader.error("table [\(Self.dotted(path))] is defined twice") }
                try ensureTable(path, reader)
                defined.insert(path)
                headers[path] = index
                lines.record(path, line: index + 1)
                table = path
            } else {
                let key = try reader.key()
                try reader.expect("=", "expected '=' after the key '\(Self.dotted(key))'")
                reader.skipSpaces()
                let start = reader.offset
                let value = try reader.value()
                let end = reader.offset
                try reader.expectEnd()
                let path = table + key
                try ensureTable(Array(path.dropLast()), reader)
                for n in table.count + 1 ..< path.count { defined.insert(Array(path.prefix(n))) }
                guard Self.lookup(path, in: document) == nil else {
                    throw reader.error("key '\(Self.dotted(key))' is set twice")
                }
                Self.insert(value, at: path[...], into: &document)
                entries.append(Entry(path: path, table: table, line: index, valueStart: start, valueEnd: end))
                lines.record(path, line: index + 1)
            }
        }
    }

    /// Makes sure every table on `path` exists and is a table, not a value.
    private mutating func ensureTable(_ path: [String], _ reader: LineReader) throws(SyntaxError) {
        for n in stride(from: 1, through: path.count, by: 1) {
            switch Self.lookup(Array(path.prefix(n)), in: document) {
            case nil: Self.insert(.object(JSONObject()), at: path.prefix(n), into: &document)
            case .object?: continue
            case _?: throw reader.error("'\(Self.dotted(Array(path.prefix(n))))' is a value, not a table")
            }
        }
    }

    private static func lookup(_ path: [String], in object: JSONObject) -> JSONValue? {
        guard let first = path.first, let value = object[first] else { return nil }
        if path.count == 1 { return value }
        guard case .object(let inner) = value else { return value }
        return lookup(Array(path.dropFirst()), in: inner)
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into object: inout JSONObject) {
        guard let first = path.first else { return }
        if path.count == 1 { object[first] = value; return }
        var inner = object[first]?.objectValue ?? JSONObject()
        insert(value, at: path.dropFirst(), into: &inner)
        object[first] = .object(inner)
    }

    /// `a."b.c"`: a key path as TOML writes it.
    static func dotted(_ path: [String]) -> String {
        path.map { part in
            let bare = !part.isEmpty && part.unicodeScalars.allSatisfy(LineReader.isBareKeyScalar)
            return bare ? part : quoted(part)
        }.joined(separator: ".")
    }

    /// A basic string: `"…"`, with `\` and `"` escaped and control characters as `\uXXXX`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `text` with the string values of table `table` set to `values`, each in place where it is
    /// written (the rest of its line and every other line as they were), or on a new line after
    /// the table's last key when it is not there yet. Nil when the file has no such table.
    static func settingStrings(_ values: KeyValuePairs<String, String>, inTable table: [String],
                               of text: String) throws(SyntaxError) -> String? {
        // A byte-order mark stays, out of the way of the value offsets of the first line.
        let mark = text.unicodeScalars.first == "\u{FEFF}" ? "\u{FEFF}" : ""
        var text = mark.isEmpty ? text : String(text.unicodeScalars.dropFirst())
        for (key, value) in values {
            let parsed = try ConfigTOML(text)
            guard case .object? = lookup(table, in: parsed.document) else { return nil }
            var rows = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
            let path = table + [key]
            if let entry = parsed.entries.first(where: { $0.path == path }) {
                var scalars = Array(rows[entry.line].unicodeScalars)
                scalars.replaceSubrange(entry.valueStart ..< entry.valueEnd, with: quoted(value).unicodeScalars)
                rows[entry.line] = String(String.UnicodeScalarView(scalars))
            } else {
                // After the table's last key in its own [table] section, else after the last line
                // that sets a key inside it (a dotted key), written relative to that line's table.
                let own = parsed.entries.last { $0.table == table && $0.path.count == table.count + 1 }
                let inside = parsed.entries.last { $0.path.starts(with: table) }
                let anchor: Int, relative: [String]
                if let own {
                    (anchor, relative) = (own.line, [key])
                } else if let header = parsed.headers[table] {
                    (anchor, relative) = (header, [key])
                } else if let inside {
                    (anchor, relative) = (inside.line, Array(path.dropFirst(inside.table.count)))
                } else {
                    return nil
                }
                let ending = rows[anchor].hasSuffix("\r") ? "\r" : ""
                rows.insert(dotted(relative) + " = " + quoted(value) + ending, at: anchor + 1)
            }
            text = rows.joined(separator: "\n")
        }
        return mark + text
    }
}

/// Reads one line of `config.toml`, scalar by scalar.
private struct LineReader {
    private let scalars: [Unicode.Scalar]
    private let line: Int
    private(set) var offset = 0

    init(_ raw: Substring.UnicodeScalarView.SubSequence, line: Int) {
        var s = Array(raw)
        if s.last == "\r" { s.removeLast() }
        scalars = s
        self.line = line
    }

    var peek: Unicode.Scalar? { offset < scalars.count ? scalars[offset] : nil }
    var atEndOrComment: Bool { peek == nil || peek == "#" }
    mutating func advance() { offset += 1 }

    func error(_ message: String) -> ConfigTOML.SyntaxError { .init(line: line, message: message) }

    mutating func skipSpaces() {
        while peek == " " || peek == "\t" { advance() }
    }

    mutating func expect(_ scalar: Unicode.Scalar, _ message: String) throws(ConfigTOML.SyntaxError) {
        skipSpaces()
        guard peek == scalar else { throw error(message) }
        advance()
    }

    /// Nothing but spaces and a comment is left on the line.
    mutating func expectEnd() throws(ConfigTOML.SyntaxError) {
        skipSpaces()
        guard atEndOrComment else { throw error("unexpected text after the value; a comment starts with '#'") }
    }

    static func isBareKeyScalar(_ s: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(s) || ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == "-"
    }

    /// A dotted key: bare, "basic" or 'literal' parts joined by dots.
    mutating func key() throws(ConfigTOML.SyntaxError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            switch peek {
            case "\""?: parts.append(try basicString())
            case "'"?: parts.append(try literalString())
            case let s? where Self.isBareKeyScalar(s):
                var bare = String.UnicodeScalarView()
                while let c = peek, Self.isBareKeyScalar(c) { bare.append(c); advance() }
                parts.append(String(bare))
            default:
                throw error("expected a key (letters, digits, '_' and '-', or a quoted name)")
            }
            skipSpaces()
            guard peek == "." else { return parts }
            advance()
        }
    }

    mutating func value() throws(ConfigTOML.SyntaxError) -> JSONValue {
        switch peek {
        case "\""?: return .string(try basicString())
        case "'"?: return .string(try literalString())
        case "["?, "{"?:
            throw error("arrays and inline tables are not used in config.toml; a value is a quoted string, true or false")
        default: break
        }
        var word = ""
        while let c = peek, c != " ", c != "\t", c != "#" { word.unicodeScalars.append(c); advance() }
        if word == "true" { return .bool(true) }
        if word == "false" { return .bool(false) }
        if let number = Self.number(word) { return number }
        throw error(word.isEmpty ? "a value is missing after '='"
                                 : "a value is a quoted string (\"…\"), true or false, or a number")
    }

    /// A TOML integer or float (`42`, `-1_000`, `0x1F`, `3.5`, `1e6`, `inf`, `nan`).
    private static func number(_ word: String) -> JSONValue? {
        var digits = Substring(word)
        var sign = ""
        if let first = digits.first, first == "+" || first == "-" { sign = first == "-" ? "-" : ""; digits = digits.dropFirst() }
        if digits == "inf" { return .double(sign == "-" ? -.infinity : .infinity) }
        if digits == "nan" { return .double(.nan) }
        guard let first = digits.first, first.isASCII, first.isNumber, !digits.hasPrefix("_"), !digits.hasSuffix("_"),
              !digits.contains("__") else { return nil }
        let plain = digits.filter { $0 != "_" }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where plain.hasPrefix(prefix) {
            return Int64(plain.dropFirst(2), radix: radix).map { .int(sign == "-" ? -$0 : $0) }
        }
        guard plain.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        if plain.count > 1 && plain.hasPrefix("0") && plain.dropFirst().first?.isNumber == true { return nil }
        if let int = Int64(sign + plain) { return .int(int) }
        if let double = Double(sign + plain), !plain.hasSuffix("."), !plain.hasPrefix(".") { return .double(double) }
        return nil
    }

    /// Past the opening `quote`; a tripled one (a multi-line string) is refused.
    private mutating func openString(_ quote: Unicode.Scalar) throws(ConfigTOML.SyntaxError) {
        advance()
        if peek == quote && offset + 1 < scalars.count && scalars[offset + 1] == quote {
            let three = String(repeating: Character(quote), count: 3)
            throw error("multi-line strings (\(three)) are not used in config.toml")
        }
    }

    /// `'…'`: as written, no escapes.
    private mutating func literalString() throws(ConfigTOML.SyntaxError) -> String {
        try openString("'")
        var out = String.UnicodeScalarView()
        while let c = peek {
            advance()
            if c == "'" { return String(out) }
            out.append(c)
        }
        throw error("a string is not closed with ' on its line")
    }

    /// `"…"` with TOML's escapes.
    private mutating func basicString() throws(ConfigTOML.SyntaxError) -> String {
        try openString("\"")
        var out = String.UnicodeScalarView()
        while let c = peek {
            advance()
            switch c {
            case "\"": return String(out)
            case "\\":
                guard let e = peek else { break }
                advance()
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "b": out.append("\u{08}")
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "f": out.append("\u{0C}")
                case "r": out.append("\r")
                case "e": out.append("\u{1B}")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    guard offset + count <= scalars.count,
                          let code = UInt32(String(String.UnicodeScalarView(scalars[offset ..< offset + count])), radix: 16),
                          let scalar = Unicode.Scalar(code) else {
                        throw error("'\\\(e)' must be followed by \(count) hex digits of a Unicode scalar")
                    }
                    offset += count
                    out.append(scalar)
                default:
                    throw error("unknown escape '\\\(e)' in a string (a Windows path can be written in 'single quotes')")
                }
            default:
                out.append(c)
            }
        }
        throw error("a string is not closed with \" on its line")
    }
}

/// Where each key of the config file is first named (its own line, or the line of the first key
/// or table inside it), to point at the line of a bad setting.
struct ConfigLines {
    private var lineOf: [[String]: Int] = [:]

    /// The first line of `key` and of each table it implies (`[a.b]` names `a` too).
    mutating func record(_ key: [String], line: Int) {
        for n in stride(from: key.count, through: 1, by: -1) where lineOf[Array(key.prefix(n))] == nil {
            lineOf[Array(key.prefix(n))] = line
        }
    }

    /// `FILE:LINE`, or `FILE` for a key the file does not name.
    func locate(_ key: [String], in file: String) -> String {
        lineOf[key].map { "\(file):\($0)" } ?? file
    }
}
