import B24
import B24Run
import Foundation
import Testing

/// `config.toml` as b24lua reads it (README "Choosing the portal"; Sources/B24Run/ConfigTOML.swift):
/// every form of TOML a profile can be written in, every form it cannot, named with its line,
/// and refreshed tokens written back into the file as the admin wrote it.
@Suite struct ConfigTOMLTests {
    /// A config directory of its own, as `XDG_CONFIG_HOME`.
    final class ConfigHome {
        let root: URL
        var path: String { root.appendingPathComponent("b24lua/config.toml").path }
        var environment: [String: String] { ["XDG_CONFIG_HOME": root.path, "HOME": "/nonexistent-b24lua-home"] }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-toml-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("b24lua"), withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func write(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }

        var text: String { (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) } ?? "" }

        func load() throws(B24Error) -> ConfigFile { try ConfigFile.load(environment: environment)! }

        /// The CONFIG_ERROR message loading gives, or nil when it loads.
        func loadError() -> String? {
            do throws(B24Error) { _ = try ConfigFile.load(environment: environment); return nil } catch { return error.message }
        }
    }

    @Test func readsEveryFormAProfileIsWrittenIn() throws {
        let home = try ConfigHome()
        try home.write("\u{FEFF}# b24lua\r\n"
            + "default_profile = \"my prod\"   # the usual one\r\n"
            + "\r\n"
            + "[ profiles . \"my prod\" ]\r\n"
            + "webhook = \"https://x.bitrix24.ru/rest/1/a#b/\"  # '#' inside a string is not a comment\r\n"
            + "plan='enterprise'\r\n"
            + "\tsandbox = false\r\n"
            + "[profiles.cron]\n"
            + "webhook_file = 'C:\\hooks\\cron.hook'\n"
            + "fixture = \"caf\\u00E9 \\\"quoted\\\" \\\\ tab\\t\"\n"
            + "oauth_url = \"https://oauth.example/\"")
        let config = try home.load()
        #expect(config.defaultProfile == "my prod")
        let prod = try config.profile("my prod")
        #expect(prod["webhook"]?.stringValue == "https://x.bitrix24.ru/rest/1/a#b/")
        #expect(prod["plan"]?.stringValue == "enterprise")
        #expect(prod["sandbox"]?.boolValue == false)
        let cron = try config.profile("cron")
        #expect(cron["webhook_file"]?.stringValue == "C:\\hooks\\cron.hook")
        #expect(cron["fixture"]?.stringValue == "café \"quoted\" \\ tab\t")
        #expect(cron["oauth_url"]?.stringValue == "https://oauth.example/")
    }

    @Test func dottedKeysAndTablesAreTheSameProfile() throws {
        let home = try ConfigHome()
        try home.write("""
            default_profile = "a"
            [profiles]
            a.webhook = "https://a.example/rest/1/x/"
            c . plan = "standard"
            [profiles.b]
            sandbox = true
            """)
        let config = try home.load()
        #expect(try config.profile("a")["webhook"]?.stringValue == "https://a.example/rest/1/x/")
        #expect(try config.profile("b")["sandbox"]?.boolValue == true)
        #expect(try config.profile("c")["plan"]?.stringValue == "standard")
    }

    /// What the reader does not take is refused on its line, never half read; no value on the
    /// line is quoted (it may be a secret).
    @Test func whatIsNotReadIsAnErrorNamingItsLine() throws {
        let home = try ConfigHome()
        let cases: [(String, String)] = [
            ("[profiles.prod]\nwebhook = \"https://x/rest/1/secretvalue/\n", ":2: a string is not closed"),
            ("[profiles.prod]\nplan = standard\n", ":2: a value is a quoted string"),
            ("[profiles.prod]\nplan =\n", ":2: a value is missing"),
            ("[profiles.prod]\nplan = \"standard\" \"secretvalue\"\n", ":2: unexpected text after the value"),
            ("[[profiles]]\n", ":1: arrays of tables"),
            ("[profiles.prod\n", ":1: a table header must end with ']'"),
            ("[profiles.prod]\nwebhook = \"\"\"\nsecretvalue\"\"\"\n", ":2: multi-line strings"),
            ("[profiles.prod]\nwebhook = '''secretvalue'''\n", ":2: multi-line strings"),
            ("[profiles.prod]\nwebhook = [\"secretvalue\"]\n", ":2: arrays and inline tables"),
            ("profiles = { prod = { webhook = \"secretvalue\" } }\n", ":1: arrays and inline tables"),
            ("[profiles.prod]\nplan = \"standard\"\nplan = \"enterprise\"\n", ":3: key 'plan' is set twice"),
            ("[profiles.prod]\n[profiles.prod]\n", ":2: table [profiles.prod] is defined twice"),
            ("profiles.prod.plan = \"standard\"\n[profiles.prod]\n", ":2: table [profiles.prod] is defined twice"),
            ("default_profile = \"x\"\n[default_profile]\n", ":2: 'default_profile' is a value, not a table"),
            ("[profiles.prod]\nwebhook = \"secret\\qvalue\"\n", ":2: unknown escape '\\q'"),
            ("[profiles.prod]\nwebhook = \"\\uD800secretvalue\"\n", ":2: '\\u' must be followed by 4 hex digits"),
            ("= \"secretvalue\"\n", ":1: expected a key"),
            ("[profiles.prod]\nwebhook \"secretvalue\"\n", ":2: expected '=' after the key 'webhook'"),
        ]
        for (text, message) in cases {
            try home.write(text)
            let error = home.loadError()
            #expect(error?.contains(home.path + message) == true, "\(text): \(error ?? "loaded")")
            #expect(error?.contains("secretvalue") == false, "\(text): \(error ?? "loaded")")
        }
    }

    /// Numbers and dates TOML allows are read, so that the schema's own message names the key.
    @Test func aValueOfTheWrongTypeIsTheSchemasErrorOnItsLine() throws {
        let home = try ConfigHome()
        let cases: [(String, String)] = [
            ("[profiles.prod]\n\nsandbox = 1\n", ":3: 'sandbox' must be true or false"),
            ("[profiles.prod]\nwebhook = true\n", ":2: 'webhook' must be a string"),
            ("[profiles.prod]\nfixture = -1_000.5e3\n", ":2: 'fixture' must be a string"),
            ("[profiles.prod]\nfixture = 0x1F\n", ":2: 'fixture' must be a string"),
            ("[profiles.prod]\nfixture = inf\n", ":2: 'fixture' must be a string"),
        ]
        for (text, message) in cases {
            try home.write(text)
            let error = home.loadError()
            #expect(error?.contains(home.path + message) == true, "\(text): \(error ?? "loaded")")
        }
    }

    @Test func refreshedTokensReplaceTheOldOnesWhereTheyAreWritten() throws {
        let home = try ConfigHome()
        let before = """
            # my portals
            default_profile = "app"

            [profiles.app]   # the app's tokens rotate
            portal = "example.bitrix24.ru"
            access_token = "old-access"    # written back by b24lua
            client_id = "local.abc"
            refresh_token='old-refresh'

            [profiles.other]
            access_token = "other-access"
            refresh_token = "other-refresh"

            """
        try home.write(before)
        try ConfigFile.storeTokens(OAuthTokens(accessToken: "new \"access\" \\", refreshToken: "new-refresh"),
                                   profile: "app", path: home.path)
        let after = before
            .replacingOccurrences(of: "\"old-access\"", with: "\"new \\\"access\\\" \\\\\"")
            .replacingOccurrences(of: "'old-refresh'", with: "\"new-refresh\"")
        #expect(home.text == after)
        let app = try home.load().profile("app")
        #expect(app["access_token"]?.stringValue == "new \"access\" \\")
        #expect(app["refresh_token"]?.stringValue == "new-refresh")
        #expect(try home.load().profile("other")["refresh_token"]?.stringValue == "other-refresh")
    }

    @Test func refreshedTokensNotInTheFileYetAreAddedToTheirProfile() throws {
        let home = try ConfigHome()
        try home.write("""
            [profiles.app]
            portal = "example.bitrix24.ru"
            client_id = "local.abc"

            [profiles.other]
            sandbox = true
            plan = "standard"
            [profiles]
            dotted.portal = "p"
            """)
        try ConfigFile.storeTokens(OAuthTokens(accessToken: "a1", refreshToken: "r1"), profile: "app", path: home.path)
        try ConfigFile.storeTokens(OAuthTokens(accessToken: "a2", refreshToken: "r2"), profile: "dotted", path: home.path)
        #expect(home.text == """
            [profiles.app]
            portal = "example.bitrix24.ru"
            client_id = "local.abc"
            access_token = "a1"
            refresh_token = "r1"

            [profiles.other]
            sandbox = true
            plan = "standard"
            [profiles]
            dotted.portal = "p"
            dotted.access_token = "a2"
            dotted.refresh_token = "r2"
            """)
        let config = try home.load()
        #expect(try config.profile("dotted")["refresh_token"]?.stringValue == "r2")
        #expect(try config.profile("other")["access_token"] == nil)
    }

    @Test func aByteOrderMarkAndWindowsLineEndsStayWhenTokensAreWritten() throws {
        let home = try ConfigHome()
        try home.write("\u{FEFF}profiles.app.access_token = \"old\"\r\nprofiles.app.portal = \"p\"\r\n")
        try ConfigFile.storeTokens(OAuthTokens(accessToken: "a", refreshToken: "r"), profile: "app", path: home.path)
        #expect(home.text == "\u{FEFF}profiles.app.access_token = \"a\"\r\nprofiles.app.portal = \"p\"\r\n"
            + "profiles.app.refresh_token = \"r\"\r\n")
        #expect(try home.load().profile("app")["refresh_token"]?.stringValue == "r")
    }

    @Test func tokensOfAProfileTheFileDoesNotHoldChangeNothing() throws {
        let home = try ConfigHome()
        let before = "[profiles.app]\nportal = \"example.bitrix24.ru\"\n"
        try home.write(before)
        try ConfigFile.storeTokens(OAuthTokens(accessToken: "a", refreshToken: "r"), profile: "gone", path: home.path)
        #expect(home.text == before)
    }
}
