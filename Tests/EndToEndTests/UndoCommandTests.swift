import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// `b24lua undo JOURNAL`: the inverse of every write a journal records, against a served sandbox.
@Suite(.serialized) struct UndoCommandTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    static func line(_ o: JSONValue) -> String { String(decoding: o.serializedBytes(), as: UTF8.self) }

    static func intent(_ seq: Int, _ method: String, _ params: JSONValue, portal: String) -> String {
        line(["v": 1, "run": "t1", "seq": .int(Int64(seq)), "at": "2026-01-01T00:00:00Z", "phase": "intent",
              "portal": .string(portal), "method": .string(method), "params": params])
    }

    static func outcome(_ seq: Int, _ method: String, ok: Bool, result: JSONValue = .null, unknown: Bool = false) -> String {
        var o: JSONObject = ["v": 1, "run": "t1", "seq": .int(Int64(seq)), "at": "2026-01-01T00:00:01Z",
                             "phase": "outcome", "method": .string(method), "ok": .bool(ok)]
        if ok { o["result"] = result } else {
            o["outcome_unknown"] = .bool(unknown)
            o["error"] = ["code": unknown ? "NETWORK_ERROR" : "ACCESS_DENIED", "description": "x", "kind": "access"]
        }
        return line(.object(o))
    }

    static let delete = "imopenlines.crm.chat.user.delete"
    static let add = "imopenlines.crm.chat.user.add"

    static func params(_ type: String, _ entity: Int64, user: Int64, chat: Int64? = nil) -> JSONValue {
        var o: JSONObject = ["CRM_ENTITY_TYPE": .string(type), "CRM_ENTITY": .int(entity), "USER_ID": .int(user)]
        if let chat { o["CHAT_ID"] = .int(chat) }
        return .object(o)
    }

    /// A run that removed 503 from 1763, did nothing on lead 1206, failed once, lost the answer of
    /// a removal of 506 from 2301 (applied) and of 503 from 1801 (not applied), added admin 1 to
    /// 1950 and called a method without an inverse.
    static func mixedJournal(portal: String) -> String {
        [intent(1, delete, params("lead", 1205, user: 503, chat: 1763), portal: portal),
         outcome(1, delete, ok: true, result: 1763),
         intent(2, delete, params("lead", 1206, user: 503), portal: portal),
         outcome(2, delete, ok: true, result: 0),
         intent(3, add, params("deal", 2001, user: 504), portal: portal),
         outcome(3, add, ok: false),
         intent(4, delete, params("lead", 1301, user: 506, chat: 2301), portal: portal),
         outcome(4, delete, ok: false, unknown: true),
         intent(5, delete, params("deal", 2001, user: 503, chat: 1801), portal: portal),
         intent(6, add, params("company", 4001, user: 1), portal: portal),
         outcome(6, add, ok: true, result: 1950),
         intent(7, "crm.lead.add", ["fields": ["TITLE": "x"]], portal: portal),
         outcome(7, "crm.lead.add", ok: true, result: 9999),
        ].joined(separator: "\n") + "\n"
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Applies the writes the mixed journal says reached the portal.
    func applyMixedJournal(_ sandbox: LiveSandbox) async throws {
        let client = try sandbox.client()
        _ = try await client.call(Self.delete, Self.params("lead", 1205, user: 503, chat: 1763))
        _ = try await client.call(Self.delete, Self.params("lead", 1301, user: 506, chat: 2301))
        await client.shutdown()
    }

    @Test func undoesEveryWriteNewestFirst() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        try await applyMixedJournal(sandbox)
        let journal = try write("run.jsonl", Self.mixedJournal(portal: sandbox.identity))

        let r = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(r.status == 1, "cannot-undo entries make the run fail after the rest is done")
        #expect(lines.first == "cannot undo 1/7: crm.lead.add … no known inverse")
        #expect(lines.contains("undo 2/7: imopenlines.crm.chat.user.delete company 4001 user 1 chat 1950 … ok"))
        #expect(lines.contains("undo 3/7: imopenlines.crm.chat.user.add deal 2001 user 503 chat 1801 … already undone"))
        #expect(lines.contains("undo 4/7: imopenlines.crm.chat.user.add lead 1301 user 506 chat 2301 … ok"))
        // A skip names the write that did nothing, not the inverse that is not sent.
        #expect(lines.contains("skip 5/7: imopenlines.crm.chat.user.add deal 2001 user 504 last chat … the original write failed; nothing to undo"),
                "\(lines)")
        #expect(lines.contains("skip 6/7: imopenlines.crm.chat.user.delete lead 1206 user 503 chat 0 … the original did nothing (chat 0)"),
                "\(lines)")
        #expect(lines.contains("undo 7/7: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763 … ok"))
        #expect(lines.contains("undo: 3 undone, 1 already undone, 2 skipped, 0 failed, 1 cannot be undone"))
        #expect(lines.contains("cannot undo (no known inverse): crm.lead.add"))

        #expect(sandbox.members(1763) == [1, 503, 506])
        #expect(sandbox.members(2301) == [1, 503, 506])
        #expect(sandbox.members(1801) == [1, 503, 506])
        #expect(sandbox.members(1950) == [])
        #expect(!r.stdout.contains(SandboxDataSet.defaultWebhookCode) && !r.stderr.contains(SandboxDataSet.defaultWebhookCode))
    }

    @Test func dryRunSendsNothing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let journal = try write("run.jsonl", Self.mixedJournal(portal: sandbox.identity))
        let before = sandbox.membership()
        let requests = sandbox.requests

        let r = try await Binary.b24luaAsync(["undo", "--dry-run", journal, "--webhook", sandbox.webhookURL],
                                               environment: environment)
        #expect(r.status == 1)
        #expect(r.stdout.contains("would undo 7/7: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763 … not sent (dry run)"))
        #expect(r.stdout.contains("would undo 4/7: imopenlines.crm.chat.user.add lead 1301 user 506 chat 2301 … not sent (dry run; outcome was unknown)"))
        #expect(r.stdout.contains("undo (dry run): 4 to undo, 2 skipped, 1 cannot be undone; nothing sent"))
        #expect(sandbox.requests == requests)
        #expect(sandbox.membership() == before)
    }

    @Test func dryRunNeedsNoPortal() async throws {
        let journal = try write("run.jsonl", Self.mixedJournal(portal: "https://example.bitrix24.com:443"))
        let r = try await Binary.b24luaAsync(["undo", journal, "--dry-run"], environment: environment)
        #expect(r.status == 1)
        #expect(r.stdout.contains("undo (dry run): 4 to undo"))
    }

    @Test func journalsItsOwnWritesSoTheUndoCanBeUndone() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        try await applyMixedJournal(sandbox)
        let journal = try write("run.jsonl", Self.mixedJournal(portal: sandbox.identity))
        let undoJournal = dir.appendingPathComponent("undo.jsonl").path
        let afterRun = sandbox.membership()

        let first = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL,
                                                    "--journal", undoJournal], environment: environment)
        #expect(first.status == 1)
        let recorded = try String(contentsOfFile: undoJournal, encoding: .utf8).split(separator: "\n")
            .map { try JSONValue.parse(String($0)) }
        let outcomes = recorded.filter { $0["phase"]?.stringValue == "outcome" }
        #expect(recorded.filter { $0["phase"]?.stringValue == "intent" }.count == 4)
        #expect(outcomes.compactMap { $0["method"]?.stringValue } == [Self.delete, Self.add, Self.add, Self.add])
        #expect(outcomes.compactMap { $0["ok"]?.boolValue } == [true, false, true, true])
        #expect(outcomes[1]["error"]?["code"]?.stringValue == "WRONG_REQUEST")

        let second = try await Binary.b24luaAsync(["undo", undoJournal, "--webhook", sandbox.webhookURL],
                                                    environment: environment)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("undo: 3 undone, 0 already undone, 1 skipped, 0 failed, 0 cannot be undone"))
        #expect(sandbox.membership() == afterRun)
    }

    @Test func refusesAJournalOfAnotherPortal() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let journal = try write("run.jsonl", Self.mixedJournal(portal: "other.bitrix24.com"))
        let r = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(r.status == 2)
        #expect(r.stderr.contains("other.bitrix24.com") && r.stderr.contains("--force"))
        #expect(sandbox.requests == 0)

        let forced = try await Binary.b24luaAsync(["undo", journal, "--force", "--webhook", sandbox.webhookURL],
                                                    environment: environment)
        #expect(forced.stdout.contains("undo: 1 undone, 3 already undone, 2 skipped, 0 failed, 1 cannot be undone"))
        #expect(sandbox.requests > 0)
    }

    @Test(arguments: [
        (["undo"], "which journal"),
        (["undo", "/nonexistent/journal.jsonl", "--sandbox"], "cannot read journal"),
        (["undo", "a.jsonl", "b.jsonl"], "one journal at a time"),
        (["undo", "a.jsonl", "--plan", "huge"], "--plan"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) async throws {
        let r = try await Binary.b24luaAsync(arguments, environment: environment, directory: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message))
    }

    @Test func notAJournal() async throws {
        let path = try write("notes.txt", "hello\n")
        let r = try await Binary.b24luaAsync(["undo", path, "--sandbox"], environment: environment)
        #expect(r.status == 2)
        #expect(r.stderr.contains("line 1 is not a b24lua journal entry"))
    }

    @Test func noPortalIsAConfigError() async throws {
        let journal = try write("run.jsonl", Self.mixedJournal(portal: "https://example.bitrix24.com:443"))
        let r = try await Binary.b24luaAsync(["undo", journal], environment: environment)
        #expect(r.status == 2)
        #expect(r.stderr.contains("no portal configured"))
    }
}
