import B24
import B24Sandbox
import Foundation
import Testing

/// What an administrator meets in the first hour, run as they would run it: no portal yet, a
/// config file written by hand, a misspelt function, a snippet called without its arguments,
/// a port already taken.
@Suite struct FirstHourTests {
    let home: SnippetHome

    init() throws { home = try SnippetHome() }

    /// No portal from the environment the tests run in.
    var clean: [String: String] {
        ["B24_SANDBOX": "", "B24_WEBHOOK_URL": "", "B24_WEBHOOK_FILE": "", "B24_PORTAL": "", "B24LUA_PROFILE": ""]
    }

    var configPath: String { home.root.appendingPathComponent("config/b24lua/config.toml").path }

    func writeConfig(_ text: String, mode: Int) throws {
        try home.write(configPath, text)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: configPath)
    }

    func run(_ args: [String]) async throws -> ProcessResult {
        try await home.b24luaAsync(args, extra: clean)
    }

    // MARK: no portal configured

    @Test func withNoPortalPlainLuaRunsAndTheFirstB24CallIsAConfigurationError() async throws {
        let r = try await run(["-e", "print(1 + 1); b24.chat_get{entity_type = 'lead', entity = 1205}; print('after')"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout == "2\n")
        #expect(r.stderr.contains("CONFIG_ERROR"), "\(r.stderr)")
        #expect(r.stderr.contains("no config file at \(configPath)"), "\(r.stderr)")
        // Caught, it is an ordinary error object and the script decides.
        let caught = try await run(["-e", "local ok, e = pcall(b24.chat_get, {entity_type = 'lead', entity = 1}); print(e.code, e.kind)"])
        #expect(caught.status == 0, "\(caught.stderr)")
        #expect(caught.stdout == "CONFIG_ERROR\tusage\n")
        // A config file without a default profile is named as such.
        try writeConfig("[profiles.prod]\nplan = \"standard\"\n", mode: 0o600)
        let noDefault = try await run(["-e", "b24.call('user.current')"])
        #expect(noDefault.status == 2)
        #expect(noDefault.stderr.contains("\(configPath) has no default_profile"), "\(noDefault.stderr)")
    }

    // MARK: config.toml

    @Test func aConfigFileWithASecretOpenToOthersIsRefused() async throws {
        try writeConfig("""
            default_profile = "prod"
            [profiles.prod]
            webhook = "https://example.bitrix24.ru/rest/1/topsecretcode/"
            """, mode: 0o644)
        let r = try await run(["-e", "print('ran')"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("config file \(configPath) is open to group or others (mode 644)"), "\(r.stderr)")
        #expect(r.stderr.contains("chmod 600 \(configPath)"), "\(r.stderr)")
        #expect(!r.stderr.contains("topsecretcode"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
        let fixed = try await run(["-e", "print(b24.portal)"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout == "example.bitrix24.ru\n")
    }

    @Test func aProfileMayNameAWebhookFile() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let hook = home.root.appendingPathComponent("config/b24lua/prod.hook").path
        try home.write(hook, sandbox.webhookURL + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: hook)
        // No secret in the config itself: it may be readable by others.
        try writeConfig("default_profile = \"prod\"\n[profiles.prod]\nwebhook_file = \"prod.hook\"\nplan = \"unlimited\"\n",
                        mode: 0o644)
        let r = try await run(["-e", "print(b24.portal, b24.call('user.current').ID)"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "127.0.0.1\t1\n")
        // The webhook file keeps its own rule.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: hook)
        let open = try await run(["-e", "print(b24.portal)"])
        #expect(open.status == 2)
        #expect(open.stderr.contains("webhook file \(hook) is open to group or others"), "\(open.stderr)")
    }

    @Test func unknownKeysAndBadValuesNameTheFileAndTheLine() async throws {
        let cases: [(String, String)] = [
            ("default_profile = \"prod\"\n[profiles.prod]\nwebhook = \"https://x.bitrix24.ru/rest/1/abc/\"\nplan = \"standrad\"\n",
             ":4: 'plan' is standard, enterprise, unlimited or RATE/BURST"),
            ("[profiles.prod]\nwebhok = \"https://x.bitrix24.ru/rest/1/secretvalue/\"\n",
             ":2: unknown key 'webhok' in [profiles.prod]; did you mean webhook?"),
            ("default_profil = \"prod\"\n", ":1: unknown key 'default_profil' at the top; did you mean default_profile?"),
            ("[profile.prod]\nplan = \"standard\"\n", ":1: unknown key 'profile' at the top; did you mean default_profile, profiles?"),
            ("[profiles.prod]\nsandbox = \"yes\"\n", ":2: 'sandbox' must be true or false"),
            ("[profiles.prod]\nplan = standard\n", ":2: "),
        ]
        for (text, message) in cases {
            try writeConfig(text, mode: 0o600)
            let r = try await run(["-e", "print('ran')"])
            #expect(r.status == 2, "\(text): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(text)")
            #expect(r.stderr.contains(configPath + message), "\(text): \(r.stderr)")
            #expect(!r.stderr.contains("secretvalue"))
        }
        try writeConfig("[profiles.prod]\nplan = \"standrad\"\n", mode: 0o600)
        let typo = try await run(["-e", "print('ran')"])
        // The value is not quoted (no usage message quotes one), but the suggestion is made.
        #expect(typo.stderr.contains(configPath + ":2: 'plan' is standard"), "\(typo.stderr)")
        #expect(typo.stderr.contains("; did you mean standard?"), "\(typo.stderr)")
        #expect(!typo.stderr.contains("standrad"), "\(typo.stderr)")
    }

    // MARK: a misspelt b24 function

    @Test func aMisspeltFunctionSaysWhatItMeant() async throws {
        let r = try await run(["--sandbox", "-e", "b24.chat_user_delet{entity_type = 'lead', entity = 1205, user = 503}"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("(command line):1: b24 has no field 'chat_user_delet'; did you mean chat_user_delete?"),
                "\(r.stderr)")
        let viaTry = try await run(["--sandbox", "-e", "b24.try.chat_get_last_id{}"])
        #expect(viaTry.stderr.contains("b24.try has no field 'chat_get_last_id'"), "\(viaTry.stderr)")
        // What may be absent reads nil, as before: scripts test for it.
        let absent = try await run(["-e", "print(b24.portal, b24.sandbox, b24._nothing, rawget(b24, 'x'))"])
        #expect(absent.status == 0, "\(absent.stderr)")
        #expect(absent.stdout == "nil\tnil\tnil\tnil\n")
    }

    // MARK: snippets

    @Test func aSnippetWithoutItsArgumentsGivesItsUsageLine() async throws {
        for (name, usage) in [("remove_user", "USER [TYPE...]"), ("replace_member", "OLD NEW [TYPE...] [line=LINE]"),
                              ("remove_bot_from_line", "BOT LINE"), ("user_chats", "USER [TYPE...]")] {
            let r = try await run(["snippets", "run", "--sandbox", name])
            #expect(r.status == 2, "\(name): \(r.stderr)")
            #expect(r.stderr == "b24lua: usage: b24lua snippets run \(name) \(usage)\n", "\(name): \(r.stderr)")
        }
        let one = try await run(["snippets", "run", "--sandbox", "b24.snippets.replace_member", "503"])
        #expect(one.stderr == "b24lua: usage: b24lua snippets run b24.snippets.replace_member OLD NEW [TYPE...] [line=LINE]\n")
    }

    @Test func anUnknownSnippetIsOneLineWithTheNearestName() async throws {
        for args in [["snippets", "run", "--sandbox", "remove_usr", "503"], ["snippets", "show", "remove_usr"]] {
            let r = try await run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("no snippet 'remove_usr'; did you mean remove_user?"), "\(r.stderr)")
        }
    }

    @Test func theSnippetsHelpPointsToACommandThatWorks() async throws {
        let help = try await run(["snippets", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("b24lua help snippets <subcommand>"), "\(help.stdout)")
        let pointed = try await run(["help", "snippets", "run"])
        #expect(pointed.status == 0, "\(pointed.stderr)")
        #expect(pointed.stdout.contains("USAGE: b24lua snippets run"), "\(pointed.stdout)")
        #expect(try await run(["help", "snippets"]).stdout.contains("SUBCOMMANDS:"))
    }

    @Test func theShippedSnippetsSayWouldUnderDryRun() async throws {
        let r = try await run(["snippets", "run", "--sandbox", "--dry-run", "remove_user", "503", "lead"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("would remove user 503 from 61 chat(s), 0 failed"), "\(r.stdout)")
        let replace = try await run(["snippets", "run", "--sandbox", "--dry-run", "replace_member", "503", "508", "deal"])
        #expect(replace.stdout.hasPrefix("would replace user 503 with 508 in 1 chat(s), 0 failed"), "\(replace.stdout)")
    }

    // MARK: sandbox serve

    @Test func aTakenPortIsSaidPlainly() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let port = String(sandbox.server.port)
        let r = try await run(["sandbox", "serve", "--port", port])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr == """
            b24lua sandbox: cannot serve: port \(port) on 127.0.0.1 is already in use (another sandbox serve, or \
            another program, holds it); choose another with --port N, or --port 0 for a free one

            """, "\(r.stderr)")
    }
}
