import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// The undo invariant (docs/journal.md): after a run under injected faults, `undo`, repeated
/// until it exits 0, restores the exact membership the portal had before the run. And undo is
/// batched within the rate limit, and idempotent.
@Suite(.serialized) struct UndoSoakTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    /// Every kind of write path a script has: `b24.each` (batched, chat named or not), single
    /// calls toggling the same member three times (undo must keep their order), and a `b24.batch`
    /// of two chunks. Each write changes something at the time it is sent.
    static let script = """
        local leads = {}
        for k = 0, 59 do leads[#leads + 1] = 1300 + k end
        b24.each(leads, function(lead)
          local chat = lead % 2 == 0 and 2300 + lead - 1300 or nil
          b24.chat_user_delete{entity_type = "lead", entity = lead, user = 503, chat = chat}
        end)
        for k = 0, 19 do
          local lead = 1300 + k
          b24.try.chat_user_delete{entity_type = "lead", entity = lead, user = 506}
          b24.try.chat_user_add{entity_type = "lead", entity = lead, user = 506}
          b24.try.chat_user_delete{entity_type = "lead", entity = lead, user = 506, chat = 2300 + k}
        end
        local cmds = {}
        for k = 20, 59 do
          cmds[#cmds + 1] = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1300 + k, USER_ID = 506}}
        end
        for k = 0, 19 do
          cmds[#cmds + 1] = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1300 + k, USER_ID = 1}}
        end
        cmds[#cmds + 1] = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "deal", CRM_ENTITY = 2001, USER_ID = 506, CHAT_ID = 1801}}
        cmds[#cmds + 1] = {"imopenlines.crm.chat.user.add", {CRM_ENTITY_TYPE = "company", CRM_ENTITY = 4001, USER_ID = 506}}
        b24.batch(cmds)
        """

    /// Drops after the write was applied, on top of the random ones (which drop before).
    static let dropsAfter = """
        {"faults": [{"drop": "after", "method": "batch"}, {"drop": "after", "method": "imopenlines.crm.chat.user.delete"},
                    {"drop": "after", "method": "imopenlines.crm.chat.user.add"}, {"drop": "after", "method": "batch"},
                    {"drop": "after", "method": "imopenlines.crm.chat.user.delete"}, {"drop": "after", "method": "batch"}]}
        """

    @Test func undoRestoresTheExactStateAfterARunUnderFaults() async throws {
        // The portal has no rate limit and the client mirrors that (`--plan unlimited`): the
        // faults are the injected ones, and retries wait only their own backoff.
        var options = SandboxOptions.unlimited
        options.faultRate = 0.2
        let sandbox = try await LiveSandbox.start(options: options)
        defer { Task { await sandbox.stop() } }
        let original = sandbox.membership()
        let journal = dir.appendingPathComponent("soak.jsonl").path
        let scriptPath = dir.appendingPathComponent("soak.lua")
        try Self.script.write(to: scriptPath, atomically: true, encoding: .utf8)

        await sandbox.queueFaults(Self.dropsAfter)
        let run = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--plan", "unlimited", "--journal", journal,
                                                scriptPath.path],
                                               environment: environment)
        #expect(sandbox.membership() != original, "the run changed nothing: \(run.stderr)")

        await sandbox.queueFaults(Self.dropsAfter)
        var exits: [Int32] = []
        for _ in 0..<12 {
            let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL, "--plan", "unlimited"],
                                                    environment: environment)
            exits.append(undo.status)
            if undo.status == 0 { break }
        }
        #expect(exits.last == 0, "undo never succeeded: \(exits)")
        #expect(sandbox.membership() == original, "\(Self.difference(original, sandbox.membership()))")

        // Again, still under faults: nothing changes, and it still ends with 0.
        for _ in 0..<12 {
            let again = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL, "--plan", "unlimited"],
                                                     environment: environment)
            if again.status == 0 { break }
        }
        #expect(sandbox.membership() == original)
    }

    static func difference(_ a: [Int64: Set<Int64>], _ b: [Int64: Set<Int64>]) -> String {
        a.keys.sorted().compactMap { c in a[c] == b[c] ? nil : "chat \(c): \(a[c]!.sorted()) → \(b[c]?.sorted() ?? [])" }
            .joined(separator: "; ")
    }

    /// 40 leads whose chats hold 50 people each, and a journal that added all 2,000 of them.
    static func bulk(portal: String = "") -> (fixture: JSONValue, journal: String) {
        let users: [JSONValue] = [["id": 1, "name": "Admin", "admin": true]]
            + (0..<50).map { ["id": .int(Int64(5000 + $0)), "name": "Employee"] }
        var entities: [JSONValue] = []
        var chats: [JSONValue] = []
        var lines: [String] = []
        var seq = 0
        for e in 0..<40 {
            let lead = Int64(7000 + e), chat = Int64(8000 + e)
            entities.append(["type": "lead", "id": .int(lead), "access": [1]])
            chats.append(["id": .int(chat), "line": 1, "entity": ["type": "lead", "id": .int(lead)],
                          "members": .array([1] + (0..<50).map { .int(Int64(5000 + $0)) })])
            for u in 0..<50 {
                seq += 1
                let params: JSONValue = ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": .int(lead), "USER_ID": .int(Int64(5000 + u))]
                lines.append(UndoCommandTests.line(["v": 1, "run": "r", "seq": .int(Int64(seq)), "phase": "intent",
                                                    "portal": .string(portal), "method": "imopenlines.crm.chat.user.add",
                                                    "params": params]))
                lines.append(UndoCommandTests.line(["v": 1, "run": "r", "seq": .int(Int64(seq)), "phase": "outcome",
                                                    "method": "imopenlines.crm.chat.user.add", "ok": true, "result": .int(chat)]))
            }
        }
        let fixture: JSONValue = [
            "users": .array(users),
            "webhooks": [["user": 1, "code": .string(SandboxDataSet.defaultWebhookCode), "scopes": ["imopenlines", "crm", "user", "im"]]],
            "lines": [["id": 1, "connector": "livechat", "managers": []]],
            "entities": .array(entities), "chats": .array(chats),
        ]
        return (fixture, lines.joined(separator: "\n") + "\n")
    }

    @Test func twoThousandInversesGoOutInBatchesAndASecondRunHasNothingToDo() async throws {
        let (fixture, _) = Self.bulk()
        var options = SandboxOptions.unlimited
        options.plan = .enterprise  // a real portal's limit (5/s, burst 250): undo must stay within it
        let sandbox = try await LiveSandbox.start(fixture: fixture, options: options)
        defer { Task { await sandbox.stop() } }
        let text = Self.bulk(portal: sandbox.identity).journal
        let journal = dir.appendingPathComponent("bulk.jsonl")
        try text.write(to: journal, atomically: true, encoding: .utf8)

        let flags = ["--webhook", sandbox.webhookURL, "--plan", "enterprise"]
        let first = try await Binary.b24luaAsync(["undo", journal.path] + flags, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("undo: 2000 undone, 0 already undone, 0 skipped, 0 failed, 0 cannot be undone"))
        #expect(sandbox.calls("batch") == 40, "2,000 inverses in batches of 50")
        #expect(sandbox.calls("imopenlines.crm.chat.user.delete") == 0, "none sent one by one")
        #expect(sandbox.stat("by_status", "503") == 0, "paced by the limiter: never refused")
        for c in 8000..<8040 { #expect(sandbox.members(Int64(c)) == [1]) }

        let batchesBefore = sandbox.calls("batch")
        let second = try await Binary.b24luaAsync(["undo", journal.path] + flags, environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("undo: 0 undone, 2000 already undone, 0 skipped, 0 failed, 0 cannot be undone"))
        // The inverses (refused: already so) and one membership read per chat, all batched.
        #expect(sandbox.calls("batch") - batchesBefore == 40 + 1)
        #expect(sandbox.stat("by_status", "503") == 0)
        #expect(sandbox.calls("im.chat.user.list") == 0)
        for c in 8000..<8040 { #expect(sandbox.members(Int64(c)) == [1]) }
    }

    /// Steps on the same member must keep their newest-first order although chunks run
    /// concurrently: the newest inverse (remove 506) opens chunk 1, the oldest (add 506 back) ends
    /// chunk 2, each with 49 others. A 500 on the first batch request to arrive delays that
    /// chunk; were both in one concurrent round, chunk 2 would go first about half the time and
    /// 506 would end up removed. (`CallPipelineRoundsTests` checks the rounds themselves.)
    @Test func stepsOnTheSameMemberKeepTheirOrderAcrossChunks() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let original = sandbox.membership()
        let delete = UndoCommandTests.delete, add = UndoCommandTests.add
        var lines = [UndoCommandTests.intent(1, delete, UndoCommandTests.params("lead", 1300, user: 506, chat: 2300), portal: sandbox.identity),
                     UndoCommandTests.outcome(1, delete, ok: true, result: 2300)]
        let client = try sandbox.client()
        for k in 1...49 {
            let params = UndoCommandTests.params("lead", Int64(1300 + k), user: 503, chat: Int64(2300 + k))
            _ = try await client.call(delete, params)
            lines += [UndoCommandTests.intent(1 + k, delete, params, portal: sandbox.identity), UndoCommandTests.outcome(1 + k, delete, ok: true, result: .int(Int64(2300 + k)))]
        }
        for k in 1...49 {
            let params = UndoCommandTests.params("lead", Int64(1300 + k), user: 506, chat: Int64(2300 + k))
            _ = try await client.call(delete, params)
            lines += [UndoCommandTests.intent(50 + k, delete, params, portal: sandbox.identity), UndoCommandTests.outcome(50 + k, delete, ok: true, result: .int(Int64(2300 + k)))]
        }
        lines += [UndoCommandTests.intent(100, add, UndoCommandTests.params("lead", 1300, user: 506, chat: 2300), portal: sandbox.identity),
                  UndoCommandTests.outcome(100, add, ok: true, result: 2300)]
        await client.shutdown()
        let journal = dir.appendingPathComponent("order.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: journal, atomically: true, encoding: .utf8)

        await sandbox.queueFaults(#"{"faults": [{"status": 500, "error": "INTERNAL_SERVER_ERROR", "method": "batch"}]}"#)
        let r = try await Binary.b24luaAsync(["undo", journal.path, "--webhook", sandbox.webhookURL, "--plan", "unlimited"],
                                             environment: environment)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(sandbox.membership() == original, "\(Self.difference(original, sandbox.membership()))")
    }
}
