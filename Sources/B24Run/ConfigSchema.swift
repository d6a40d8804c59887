import B24
import B24Wire

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
                guard RateLimitPlan(argument: plan) != nil else {
                    // The command line's reader and rule (`--plan`), said of the key.
                    throw fail("'plan' is " + RateLimitPlan.argumentRule + NearNames.hint(for: plan, among: B24Flags.planNames))
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
