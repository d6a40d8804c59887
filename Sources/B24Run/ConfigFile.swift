import B24
import B24Wire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `$XDG_CONFIG_HOME/b24lua/config.toml` (else `~/.config/b24lua/config.toml`): profiles under
/// `[profiles.NAME]` with `webhook`, or `portal` + `client_id` + `client_secret` +
/// `access_token` + `refresh_token`, and `plan`; `default_profile` at the top.
public struct ConfigFile {
    public let path: String
    public let document: JSONValue

    public static func path(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/b24lua/config.toml" }
        return (environment["HOME"] ?? "~") + "/.config/b24lua/config.toml"
    }

    /// nil when there is no config file; CONFIG_ERROR when it cannot be read, is not TOML,
    /// holds an unknown key or a bad value (`FILE:LINE: …`, ConfigSchema), or holds a secret
    /// while open to group or others (as a webhook file may not be).
    public static func load(environment: [String: String]) throws(B24Error) -> ConfigFile? {
        let path = path(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .configError("cannot read \(path)")
        }
        let toml: ConfigTOML
        do throws(ConfigTOML.SyntaxError) { toml = try ConfigTOML(text) } catch {
            throw .configError("\(path):\(error.line): \(error.message)")
        }
        let document = JSONValue.object(toml.document)
        try ConfigSchema.validate(document, lines: toml.lines, path: path)
        if ConfigSchema.holdsSecret(document) {
            try WebhookFile.requirePrivate(path, what: "config file", holding: "a webhook or a secret")
        }
        return ConfigFile(path: path, document: document)
    }

    /// A path written in the config file: `~/…` in the home directory, a relative one beside the file.
    public func resolvePath(_ written: String, environment: [String: String]) -> String {
        if written.hasPrefix("~/"), let home = environment["HOME"] { return home + written.dropFirst(1) }
        if written.hasPrefix("/") { return written }
        return FilePaths.directory(of: path) + "/" + written
    }

    public var defaultProfile: String? { document["default_profile"]?.stringValue }

    public func profile(_ name: String) throws(B24Error) -> JSONObject {
        guard let p = document["profiles"]?[name]?.objectValue else {
            throw .configError("no profile '\(name)' in \(path)")
        }
        return p
    }

    /// Writes a refreshed token pair into profile `name`, atomically and mode 0600: the refresh
    /// token changes on every refresh, and losing it means a new OAuth authorisation. The two
    /// values are replaced where they are written; every other line, comments included, stays.
    public static func storeTokens(_ tokens: OAuthTokens, profile name: String, path: String) throws {
        // Read as bytes: FoundationEssentials' String(contentsOfFile:) drops a byte-order mark.
        guard let bytes = FileManager.default.contents(atPath: path),
              let text = String(validating: bytes, as: UTF8.self) else { throw B24Error.configError("cannot read \(path)") }
        guard let updated = try ConfigTOML.settingStrings(
            ["access_token": tokens.accessToken, "refresh_token": tokens.refreshToken],
            inTable: ["profiles", name], of: text) else { return }
        // temporary file, fsync, checked rename: a crash leaves the old file or the new one
        try TokenFile.writeAtomically(Array(updated.utf8), to: path)
    }
}
