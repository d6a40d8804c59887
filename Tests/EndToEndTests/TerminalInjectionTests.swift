import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// Text from outside (a portal's user names and line titles, a journal's lines) printed by
/// `diff` and `undo` never carries a control character to the terminal (docs/snapshot.md,
/// "diff"; docs/journal.md, "Undo"): a name with `ESC ]0;…` or `ESC [2J` would retitle the
/// window or clear the screen of whoever reads the report, and a newline would forge a line.
@Suite struct TerminalInjectionTests {
    static let hostile = "Anna\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\nlead 1 chat 1 (x): + 1 Admin\u{202E}"

    static func assertInert(_ text: String, _ what: String) {
        for bad: Unicode.Scalar in ["\u{1B}", "\u{07}", "\u{9B}", "\u{202E}"] {
            #expect(!text.unicodeScalars.contains(bad), "\(what) carries U+\(String(bad.value, radix: 16)): \(text.debugDescription)")
        }
        #expect(!text.contains("\nlead 1 chat 1"), "\(what) has a forged line: \(text.debugDescription)")
    }

    @Test func diffShowsAHostileNameEscaped() async throws {
        let dir = try Binary.temporaryDirectory()
        var a = SandboxDataSet.default
        let chat = try #require(a.chats.firstIndex { !$0.members.isEmpty })
        let member = a.chats[chat].members[0]
        let user = try #require(a.users.firstIndex { $0.id == member })
        a.users[user].name = Self.hostile
        var b = a
        b.chats[chat].members.removeFirst()
        let pa = dir.appendingPathComponent("a.json").path, pb = dir.appendingPathComponent("b.json").path
        try a.fixture().serialized().write(toFile: pa, atomically: true, encoding: .utf8)
        try b.fixture().serialized().write(toFile: pb, atomically: true, encoding: .utf8)
        let r = try await Binary.b24luaAsync(["diff", pa, pb], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("− \(member) Anna\\u{1B}]0;pwned\\u{7}"), "\(r.stdout)")
        Self.assertInert(r.stdout, "diff's report")
    }

    @Test func undoShowsAForgedPortalAndMethodEscaped() async throws {
        let dir = try Binary.temporaryDirectory()
        let journal = dir.appendingPathComponent("forged.jsonl").path
        let portal = JSONValue.string("https://evil\u{1B}[2J\u{9B}31m.example:443\nundo 1/1: ok").serialized()
        let method = JSONValue.string("crm.lead.update\u{1B}]0;pwned\u{07}").serialized()
        let lines = [
            #"{"v":2,"run":"aaaaaaaa","seq":1,"at":"2024-01-01T00:00:00Z","phase":"intent","portal":"sandbox:sandbox.example","method":\#(method),"params":{}}"#,
            #"{"v":2,"run":"aaaaaaaa","seq":1,"at":"2024-01-01T00:00:00Z","phase":"outcome","portal":"sandbox:sandbox.example","method":\#(method),"ok":true,"result":true}"#,
            #"{"v":2,"run":"aaaaaaaa","seq":2,"at":"2024-01-01T00:00:00Z","phase":"intent","portal":\#(portal),"method":"imopenlines.crm.chat.user.add","params":{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":1205,"USER_ID":504,"CHAT_ID":1763}}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: journal, atomically: true, encoding: .utf8)
        let r = try await Binary.b24luaAsync(["undo", journal, "--sandbox"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(r.stdout.contains("another portal: skipped 1 write(s)"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("cannot undo (no known inverse): crm.lead.update\\u{1B}]0;pwned"), "\(r.stdout)")
        Self.assertInert(r.stdout, "undo's report")
        Self.assertInert(r.stderr, "undo's messages")

        // Only the forged portal's line: the refusal names it, escaped.
        let only = dir.appendingPathComponent("only.jsonl").path
        try (lines[2] + "\n").write(toFile: only, atomically: true, encoding: .utf8)
        let refused = try await Binary.b24luaAsync(["undo", only, "--sandbox"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("evil\\u{1B}[2J"), "\(refused.stderr)")
        Self.assertInert(refused.stderr, "undo's refusal")
    }
}

/// A journal torn inside a multi-byte character (a run cut off while appending an outcome with
/// the portal's Russian error text) is a torn line like any other (docs/journal.md, "Torn
/// lines"): undo and `--resume` skip it and read the rest. Before, the file was refused whole as
/// not UTF-8.
@Suite struct TornCharacterJournalTests {
    @Test func aLineTornInsideACharacterIsSkipped() async throws {
        let dir = try Binary.temporaryDirectory()
        let env = ["XDG_CONFIG_HOME": dir.path]
        let journal = dir.appendingPathComponent("torn.jsonl").path
        let ran = try await Binary.b24luaAsync(["--sandbox", "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'deal', entity = 2001, user = 506, chat = 1801}"],
                                               environment: env)
        #expect(ran.status == 0, "\(ran.stderr)")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let torn = #"{"v":2,"run":"bbbbbbbb","seq":9,"at":"2024-01-01T00:00:00Z","phase":"outcome","portal":"sandbox:sandbox.example","method":"imopenlines.crm.chat.user.add","ok":false,"error":{"description":"Пользователь"#
        bytes += Array(torn.utf8).dropLast(1)  // half of the last "ь"
        try Data(bytes).write(to: URL(fileURLWithPath: journal))

        let undo = try await Binary.b24luaAsync(["undo", journal, "--sandbox", "--dry-run"], environment: env)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("torn"), "\(undo.stderr)")
        #expect(undo.stdout.contains("would undo"), "\(undo.stdout)")

        let resumed = try await Binary.b24luaAsync(["--sandbox", "--resume", journal, "-e", "print('ok')"], environment: env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stderr.contains("cannot read"), "\(resumed.stderr)")
    }
}
