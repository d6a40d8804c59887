import B24
import B24Sandbox
import Foundation
import Testing

/// Secrets off the command line and out of every message (README "Logging and secrets",
/// "Choosing the portal"): each path that prints or stores text gets a planted secret, and the
/// secret must never come out.
@Suite(.serialized) struct SecretTests {
    static let code = "S3cretC0de77"
    let dir: URL

    init() throws { dir = try Binary.temporaryDirectory() }

    static func expectClean(_ r: ProcessResult, _ secrets: [String] = [code], _ what: String = "") {
        for s in secrets {
            #expect(!r.stdout.contains(s), "\(what) stdout: \(r.stdout)")
            #expect(!r.stderr.contains(s), "\(what) stderr: \(r.stderr)")
        }
    }

    func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = dir.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]))
        chmod(path, mode_t(mode))  // the umask may have narrowed the mode asked for
        return path
    }

    // MARK: The command line

    @Test(arguments: [
        ["--web-hook=https://x.bitrix24.ru/rest/1/\(code)/", "s.lua"],
        ["--webhok", "https://x.bitrix24.ru/rest/1/\(code)/", "s.lua"],
        ["-Xhttps://x.bitrix24.ru/rest/1/\(code)/"],
        ["undo", "--web-hook=https://x.bitrix24.ru/rest/1/\(code)/", "j.jsonl"],
        ["snippets", "run", "--web-hook=https://x.bitrix24.ru/rest/1/\(code)/", "remove_user"],
        ["repl", "--web-hook=https://x.bitrix24.ru/rest/1/\(code)/"],
        ["--sandbox", "--web-hook=\(code)", "undo", "j.jsonl"],
        ["--plan=https://x.bitrix24.ru/rest/1/\(code)/", "-e", "print(1)"],
    ])
    func unrecognizedOptionsAreNamedWithoutTheirValue(_ arguments: [String]) async throws {
        let r = try await Binary.b24luaAsync(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        Self.expectClean(r, [Self.code], "\(arguments)")
    }

    @Test func theUnrecognizedNameIsStillShown() async throws {
        let r = try await Binary.b24luaAsync(["--web-hook=https://x.bitrix24.ru/rest/1/\(Self.code)/", "s.lua"])
        #expect(r.stderr.contains("unrecognized option '--web-hook'"), "\(r.stderr)")
    }

    @Test(arguments: [
        "https://x.bitrix24.ru/rest/one/\(code)/", "https://x.bitrix24.ru/rest/1/\(code).x/", "https://x.bitrix24.ru/\(code)/",
        "https://admin:\(code)@x.bitrix24.ru/rest/1/abc/", "https://x.bitrix24.ru:99999/rest/1/\(code)/",
        "https://x.bitrix24.ru:99999/rest/one/\(code)/", "x.bitrix24.ru/rest/1/\(code)/", code,
        "http://x.bitrix24.ru/rest/1/\(code)/", "http://127.0.0.1.nip.io/rest/1/\(code)/", "https://[::1/rest/1/\(code)/",
        "ftp://x.bitrix24.ru/rest/1/\(code)/", "https://x.bitrix24.ru/rest/1/\(code)!/", "https://x\\y/rest/1/\(code)/",
    ])
    func malformedWebhooksAreShownWithTheCodeMasked(_ url: String) async throws {
        let r = try await Binary.b24luaAsync(["--webhook", url, "-e", "print(1)"])
        #expect(r.status == 2, "\(url): \(r.stderr)")
        #expect(r.stderr.contains("CONFIG_ERROR"), "\(url): \(r.stderr)")
        Self.expectClean(r, [Self.code], url)
        let env = try await Binary.b24luaAsync(["-e", "print(1)"], environment: ["B24_WEBHOOK_URL": url])
        #expect(env.status == 2)
        Self.expectClean(env, [Self.code], url)
        let undo = try await Binary.b24luaAsync(["undo", try file("j.jsonl", Self.oneWrite), "--webhook", url])
        #expect(undo.status == 2, "\(undo.stderr)")
        Self.expectClean(undo, [Self.code], "undo \(url)")
    }

    /// A journal with one successful delete: enough for `undo` to open the portal.
    static let oneWrite = """
        {"v":1,"run":"t1","seq":1,"at":"2026-01-01T00:00:00Z","phase":"intent","portal":"127.0.0.1","method":"imopenlines.crm.chat.user.delete","params":{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":1205,"USER_ID":503,"CHAT_ID":1763}}
        {"v":1,"run":"t1","seq":1,"at":"2026-01-01T00:00:01Z","phase":"outcome","method":"imopenlines.crm.chat.user.delete","ok":true,"result":1763}

        """

    // MARK: --webhook-file

    @Test func webhookFileKeepsTheCodeOutOfTheCommandLineAndEnvironment() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let path = try file("hook", "  \(sandbox.webhookURL)\n\n")
        // What `ps` and /proc show of the process: its own command line and environment.
        let probe = "io.write(io.open('/proc/self/cmdline'):read('a'), io.open('/proc/self/environ'):read('a')) "
            + "print(b24.call('user.current').ID)"
        let r = try await Binary.b24luaAsync(["--webhook-file", path, "-e", probe])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("1\n"))
        #expect(!r.stdout.contains("sandbox1admin"), "\(r.stdout)")
        #expect(!r.stderr.contains("sandbox1admin"))

        let env = try await Binary.b24luaAsync(["-e", probe], environment: ["B24_WEBHOOK_FILE": path])
        #expect(env.status == 0, "\(env.stderr)")
        #expect(!env.stdout.contains("sandbox1admin"), "\(env.stdout)")
    }

    @Test func webhookFileMustBePrivate() async throws {
        for mode in [0o644, 0o640, 0o604, 0o660, 0o606, 0o620, 0o602, 0o610, 0o601, 0o777] {
            let path = try file("open-\(String(mode, radix: 8))", "https://x.bitrix24.ru/rest/1/\(Self.code)/\n", mode: mode)
            for r in [try await Binary.b24luaAsync(["--webhook-file", path, "-e", "print(1)"]),
                      try await Binary.b24luaAsync(["-e", "print(1)"], environment: ["B24_WEBHOOK_FILE": path]),
                      try await Binary.b24luaAsync(["--webhook-file", path, "undo", try file("j.jsonl", Self.oneWrite)])] {
                #expect(r.status == 2, "mode \(String(mode, radix: 8)): \(r.stderr)")
                #expect(r.stderr.contains("chmod 600"), "\(r.stderr)")
                Self.expectClean(r)
            }
        }
    }

    @Test func webhookFileRefusals() async throws {
        let cases: [(String, String)] = [
            (try file("empty", " \n\t\n"), "is empty"),
            (try file("two-lines", "https://x.bitrix24.ru/rest/1/\(Self.code)/\nhttps://y/rest/1/\(Self.code)/\n"), "more than one line"),
            (try file("long", String(repeating: Self.code, count: 1000)), "too long"),
            (try file("bad-url", "https://x.bitrix24.ru/rest/one/\(Self.code)/"), "CONFIG_ERROR"),
            (try file("bare-code", Self.code), "CONFIG_ERROR"),
            (dir.path, "not a regular file"),
            (dir.appendingPathComponent("missing").path, "cannot open"),
        ]
        for (path, message) in cases {
            let r = try await Binary.b24luaAsync(["--webhook-file", path, "-e", "print(1)"])
            #expect(r.status == 2, "\(path): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(path): \(r.stderr)")
            Self.expectClean(r)
        }
        let both = try await Binary.b24luaAsync(["--webhook", "https://x/rest/1/a/", "--webhook-file", try file("ok", "https://x/rest/1/a/"),
                                      "-e", "print(1)"])
        #expect(both.status == 2 && both.stderr.contains("use one"), "\(both.stderr)")
        let bothEnv = try await Binary.b24luaAsync(["-e", "print(1)"], environment: ["B24_WEBHOOK_URL": "https://x/rest/1/a/",
                                                                          "B24_WEBHOOK_FILE": try file("ok2", "https://x/rest/1/a/")])
        #expect(bothEnv.status == 2 && bothEnv.stderr.contains("unset one"), "\(bothEnv.stderr)")
    }

    // MARK: Journal, dry-run plan, verbose log, error reports

    /// A write whose parameters carry the webhook URL, a token and a password: none reaches the
    /// journal, and undo still reads it.
    @Test func journalParametersAreRedacted() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let journal = dir.appendingPathComponent("run.jsonl").path
        let script = """
            pcall(b24.call, "crm.lead.add", {fields = {TITLE = os.getenv("HOOK"), COMMENTS = "https://u:pw-\(Self.code)@h/"},
                                             auth = "tok-\(Self.code)"})
            b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503}
            """
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e", script],
                                             environment: ["HOOK": sandbox.webhookURL])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("crm.lead.add") && text.contains("imopenlines.crm.chat.user.delete"), "\(text)")
        for secret in ["sandbox1admin", Self.code] { #expect(!text.contains(secret), "\(text)") }
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL])
        #expect(undo.stdout.contains("undo 1/2: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763 … ok"), "\(undo.stdout)")
        Self.expectClean(undo, ["sandbox1admin", Self.code])
    }

    @Test func theDryRunPlanIsRedacted() async throws {
        let script = """
            b24.call("crm.lead.add", {fields = {TITLE = "https://x.bitrix24.ru/rest/1/\(Self.code)/"}, auth = "tok-\(Self.code)"})
            b24.call("crm.lead.update", {id = 1, fields = {COMMENTS = "sandbox1admin"}})
            """
        let r = try await Binary.b24luaAsync(["--sandbox", "--dry-run", "-e", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 write(s) planned") && r.stderr.contains("crm.lead.add"), "\(r.stderr)")
        Self.expectClean(r, [Self.code, "sandbox1admin"])
    }

    @Test func theVerboseLogIsRedacted() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let script = """
            b24.call("user.current")
            pcall(b24.call, "no.such.method", {auth = "x"})
            pcall(b24.call, "user.get", {FILTER = {NAME = "https://x/rest/1/\(Self.code)/"}})
            """
        for env in [["B24LUA_LOG": "debug"], [:]] {
            let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL] + (env.isEmpty ? ["--verbose"] : []) + ["-e", script],
                                                 environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("user.current -> 200"), "\(r.stderr)")
            #expect(r.stderr.contains("no.such.method -> 404"), "\(r.stderr)")
            Self.expectClean(r, ["sandbox1admin", Self.code])
        }
    }

    /// The runner's own report of a script's error, and a b24 error naming the URL.
    @Test func errorReportsAreRedacted() async throws {
        let r = try await Binary.b24luaAsync(["--sandbox", "-e", "error('failed on https://x.bitrix24.ru/rest/1/\(Self.code)/ and sandbox1admin')"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("failed on https://x.bitrix24.ru/rest/1/***/"), "\(r.stderr)")
        Self.expectClean(r, [Self.code, "sandbox1admin"])
    }

    /// The history file outlives the session: a pasted webhook URL, the portal's own code and a
    /// password in a URL are stored masked.
    @Test func replHistoryIsRedacted() async throws {
        let session = try await REPLTests.Session(["--sandbox"])
        try await session.enter("u = 'https://x.bitrix24.ru/rest/1/\(Self.code)/'")
        try await session.enter("k = 'sandbox1admin'")
        try await session.enter("t = {", until: "b24>> ")
        try await session.enter("  url = 'https://admin:pw\(Self.code)@h/' }")
        session.terminal.send("\u{04}")
        #expect(await session.terminal.waitForExit() == 0)
        let text = try String(contentsOf: session.home.appendingPathComponent("state/b24lua/history"), encoding: .utf8)
        #expect(text.contains("https://x.bitrix24.ru/rest/1/***/"), "\(text)")
        for secret in [Self.code, "sandbox1admin"] { #expect(!text.contains(secret), "\(text)") }
    }
}
