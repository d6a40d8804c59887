import B24
import B24Wire
import Foundation
import Testing

/// The journal loses nothing and undo never lies: a write that cannot be journaled is not
/// sent, a torn last line does not sink the file, undo does not journal into its input, and
/// "already undone" is told from "refused".
@Suite(.serialized) struct JournalSafetyTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    static let deleteFrom1763 = "b24.try.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"

    @Test func aWriteThatCannotBeJournaledIsNotSent() async throws {
        // /dev/full takes the open and refuses every write with ENOSPC: a full disk.
        let chunk = """
            local chat, err = \(Self.deleteFrom1763)
            print(chat, err and err.code, err and err.outcome_unknown)
            local m = {} for _, u in ipairs(b24.sandbox.members(1763)) do m[#m + 1] = u end
            print(table.concat(m, ","))
            """
        let r = try await Binary.b24luaAsync(["--sandbox", "--journal", "/dev/full", "-e", chunk], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "nil\tJOURNAL_ERROR\tfalse\n1,503,506\n")
    }

    @Test func aBatchThatCannotBeJournaledSendsNothing() async throws {
        let chunk = """
            local ok, err = pcall(b24.batch, {{"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 503, CHAT_ID = 1763}},
                                              {"user.current"}})
            print(ok, err.code)
            print(#b24.sandbox.members(1763))
            """
        let r = try await Binary.b24luaAsync(["--sandbox", "--journal", "/dev/full", "-e", chunk], environment: environment)
        #expect(r.stdout == "false\tJOURNAL_ERROR\n3\n", "\(r.stdout)\(r.stderr)")
    }

    @Test func aTornLastLineIsSkippedWithAWarning() async throws {
        let journal = dir.appendingPathComponent("torn.jsonl")
        let run = try await Binary.b24luaAsync(["--sandbox", "--journal", journal.path, "-e", Self.deleteFrom1763], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        var text = try String(contentsOf: journal, encoding: .utf8)
        text += #"{"v":1,"run":"x","seq":2,"phase":"int"#   // the power went while appending
        try text.write(to: journal, atomically: true, encoding: .utf8)

        let r = try await Binary.b24luaAsync(["undo", journal.path, "--sandbox"], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("torn"))
        #expect(r.stdout.contains("undo 1/1: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763"))
    }

    @Test func undoNeverJournalsIntoItsInput() async throws {
        let journal = dir.appendingPathComponent("run.jsonl")
        _ = try await Binary.b24luaAsync(["--sandbox", "--journal", journal.path, "-e", Self.deleteFrom1763], environment: environment)
        let before = try Data(contentsOf: journal)

        var env = environment
        env["B24LUA_JOURNAL"] = journal.path
        let viaEnvironment = try await Binary.b24luaAsync(["undo", journal.path, "--sandbox"], environment: env)
        #expect(viaEnvironment.stderr.contains("B24LUA_JOURNAL is the journal being undone"))
        #expect(try Data(contentsOf: journal) == before)

        let link = dir.appendingPathComponent("same.jsonl")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: journal)
        let explicit = try await Binary.b24luaAsync(["undo", journal.path, "--sandbox", "--journal", link.path], environment: environment)
        #expect(explicit.status == 2)
        #expect(try Data(contentsOf: journal) == before)
    }

    @Test func refusedIsNotAlreadyUndone() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let client = try sandbox.client()
        _ = try await client.call("imopenlines.crm.chat.user.delete",
                                  ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1763])
        await client.shutdown()
        let journal = try UndoCommandTests.intent(1, UndoCommandTests.delete, UndoCommandTests.params("lead", 1205, user: 503, chat: 1763),
                                                   portal: sandbox.identity)
            + "\n" + UndoCommandTests.outcome(1, UndoCommandTests.delete, ok: true, result: 1763) + "\n"
        let path = dir.appendingPathComponent("refused.jsonl").path
        try journal.write(toFile: path, atomically: true, encoding: .utf8)
        // The portal answers the add with WRONG_REQUEST, though 503 is not in the chat: a refusal.
        // Undo sends its inverses batched, so the refusal is the batch request's.
        await sandbox.queueFaults(#"{"faults": [{"error": "WRONG_REQUEST", "method": "batch"}]}"#)
        let refused = try await Binary.b24luaAsync(["undo", path, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("failed: b24: WRONG_REQUEST"), "\(refused.stdout)")
        #expect(sandbox.members(1763) == [1, 506])

        let second = try await Binary.b24luaAsync(["undo", path, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(second.status == 0)
        #expect(sandbox.members(1763) == [1, 503, 506])
        let third = try await Binary.b24luaAsync(["undo", path, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(third.status == 0, "a second undo has nothing left to do")
        #expect(third.stdout.contains("already undone"))
        #expect(sandbox.members(1763) == [1, 503, 506])
    }

    @Test func aMaybeAppliedWriteCutOffByTheTimeoutStaysUnknown() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        // Applied, answer lost; then every retry meets 503s until --timeout cuts the wait off.
        let busy = Array(repeating: #"{"status": 503, "method": "imopenlines.crm.chat.user.delete"}"#, count: 20)
        await sandbox.queueFaults(#"{"faults": [{"drop": "after", "method": "imopenlines.crm.chat.user.delete"}, "#
                                  + busy.joined(separator: ", ") + "]}")
        let journal = dir.appendingPathComponent("cut.jsonl").path
        let run = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--timeout", "1", "--journal", journal,
                                                "-e", "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"],
                                               environment: environment)
        #expect(run.status == 124, "\(run.stderr)")
        #expect(sandbox.members(1763) == [1, 506], "the delete was applied")
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let outcome = lines.first { $0["phase"]?.stringValue == "outcome" }
        #expect(outcome == nil || outcome?["outcome_unknown"]?.boolValue == true, "\(lines)")

        await sandbox.queueFaults(#"{"clear": true}"#)
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(sandbox.members(1763) == [1, 503, 506])
    }
}
