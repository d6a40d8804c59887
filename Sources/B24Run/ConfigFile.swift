import B24
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TOMLKit

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
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw .configError("\(path):\(error.source.begin.line): \(error.description)")
        } catch {
            throw .configError("\(path): \(error)")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(table.convert(to: .json)) } catch {
            throw .configError("\(path): \(error)")
        }
        try ConfigSchema.validate(document, lines: ConfigLines(text), path: path)
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
    /// token changes on every refresh, and losing it means a new OAuth authorisation.
    public static func storeTokens(_ tokens: OAuthTokens, profile name: String, path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let table = try TOMLTable(string: text)
        guard let profile = table["profiles"]?.table?[name]?.table else { return }
        profile["access_token"] = tokens.accessToken
        profile["refresh_token"] = tokens.refreshToken
        // temporary file, fsync, checked rename: a crash leaves the old file or the new one
        try TokenFile.writeAtomically(Array(table.convert(to: .toml).utf8), to: path)
    }
}
