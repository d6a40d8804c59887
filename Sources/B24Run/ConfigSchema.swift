import B24
import Foundation

/// What `config.toml` may hold (README "Choosing the portal"), checked when it is read: an
/// unknown key or a bad value is a configuration error naming the file and the line, as a bad
/// option is on the command line, never a setting silently ignored.
enum ConfigSchema {
    enum Kind { case string, boolean, plan, profiles }

    static let topLevel: [String: Kind] = ["default_profile": .string, "profiles": .profiles]

    static let profileKeys: [String: Kind] = [
        "webhook": .string, "webhook_file": .string, "plan": .plan,
        "portal": .string, "client_id": .string, "client_secret": .string, "access_token": .string,
        "refresh_token": .string, "oauth_url": .string,
        "sandbox": .boolean, "fixture": .string,
    ]

    /// Keys whose value is a secret: a file holding one must be private (`WebhookFile.requirePrivate`).
    static let secretKeys: Set<String> = ["webhook", "client_secret", "access_token", "refresh_token"]

    static func validate(_ document: JSONValue, lines: ConfigLines, path: String) throws(B24Error) {
        guard case .object(let top) = document else { return }
        try check(top, keys: topLevel, table: [], lines: lines, path: path)
    }

    /// Whether any profile holds a secret.
    static func holdsSecret(_ document: JSONValue) -> Bool {
        guard let profiles = document["profiles"]?.objectValue else { return false }
        return profiles.contains { _, p in p.objectValue?.contains { secretKeys.contains($0.key) } ?? false }
    }

    private static func check(_ table: JSONObject, keys: [String: Kind], table path: [String], lines: ConfigLines,
                              path file: String) throws(B24Error) {
        for (key, value) in table {
            let here = path + [key]
            func fail(_ message: String) -> B24Error {
                .configError(lines.locate(here, in: file) + ": " + message)
            }
            guard let kind = keys[key] else {
                let place = path.isEmpty ? "at the top" : "in [\(path.joined(separator: "."))]"
                throw fail("unknown key '\(key)' \(place)" + NearNames.hint(for: key, among: keys.keys)
                           + "; the keys are " + keys.keys.sorted().joined(separator: ", "))
            }
            switch kind {
            case .string:
                guard value.stringValue != nil else { throw fail("'\(key)' must be a string") }
            case .boolean:
                guard value.boolValue != nil else { throw fail("'\(key)' must be true or false") }
            case .plan:
                guard let plan = value.stringValue else { throw fail("'plan' must be a string") }
                var probe = B24Flags()
                var unused = 0
                do { try probe.parse("--plan=" + plan, next: nil, consumed: &unused) } catch {
                    // The command line's own check and wording (B24Flags.parse), said of the key.
                    let message = error.description.replacingOccurrences(of: "'--plan'", with: "'plan'")
                    throw fail(message + NearNames.hint(for: plan, among: B24Flags.planNames))
                }
            case .profiles:
                guard case .object(let profiles) = value else { throw fail("'profiles' must be a table of [profiles.NAME]") }
                for (name, profile) in profiles {
                    guard case .object(let p) = profile else {
                        throw B24Error.configError(lines.locate(here + [name], in: file)
                                                   + ": profile '\(name)' must be a table [profiles.\(name)]")
                    }
                    try check(p, keys: profileKeys, table: here + [name], lines: lines, path: file)
                }
            }
        }
    }
}

/// Where each key of a TOML text is written, found by a plain reading of its lines (table
/// headers `[a.b]` and `key = value` lines): enough to point at the line of a bad setting.
/// TOMLKit gives the line of a syntax error only.
struct ConfigLines {
    private var lineOf: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.dotted(String(inner))
                record(table, line: i + 1)
            } else if !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") {
                record(table + Self.dotted(String(line[..<eq])), line: i + 1)
            }
        }
    }

    /// The first line of `key` and of each table it implies (`[a.b]` names `a` too).
    private mutating func record(_ key: [String], line: Int) {
        for n in stride(from: key.count, through: 1, by: -1) where lineOf[Array(key.prefix(n))] == nil {
            lineOf[Array(key.prefix(n))] = line
        }
    }

    /// `a . "b.c"` → `["a", "b.c"]`.
    static func dotted(_ text: String) -> [String] {
        var parts: [String] = [], current = "", quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// `FILE:LINE`, or `FILE` when the key was written in a way this reading does not follow.
    func locate(_ key: [String], in file: String) -> String {
        lineOf[key].map { "\(file):\($0)" } ?? file
    }
}
