import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// Undo acts only on what the journal proves (docs/journal.md, "Undo"): the lines of the portal it
/// is pointed at, lines that fit the method catalog's types, past torn lines, never journaling into
/// the journal it undoes (by any name), and it says when it cannot verify.
@Suite(.serialized) struct UndoTrustTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    static let delete = UndoCommandTests.delete
    static let add = UndoCommandTests.add

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The default data set as a fixture, changed by `edit` (Foundation's JSON: easy to edit).
    func fixture(_ name: String, _ edit: (inout [String: Any]) -> Void) async throws -> String {
        let dump = try await Binary.b24luaAsync(["sandbox", "dump"], environment: environment)
        var root = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as! [String: Any]
        edit(&root)
        let file = path(name)
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: file))
        return file
    }

    static func change(_ list: String, id: Int, in root: inout [String: Any], _ body: (inout [String: Any]) -> Void) {
        var items = root[list] as! [[String: Any]]
        let i = items.firstIndex { ($0["id"] as? Int) == id }!
        body(&items[i])
        root[list] = items
    }

    func runIds(_ journal: String) throws -> [String] {
        var seen: [String] = []
        for line in try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n") {
            if let run = try JSONValue.parse(String(line))["run"]?.stringValue, !seen.contains(run) { seen.append(run) }
        }
        return seen
    }

    // MARK: One portal's lines

    /// A trial run on the in-process sandbox and a real run share one journal. The trial added
    /// 504 to chat 1763; on the real portal 504 is a member the real run never touched. Undo
    /// against the real portal must not remove 504: only the real run's line is undone.
    @Test func aSandboxTrialInTheSameJournalIsNotUndoneOnTheRealPortal() async throws {
        let trial = try await fixture("trial.json") { root in
            Self.change("entities", id: 1205, in: &root) { $0["access"] = [1, 503, 504] }
        }
        let real = try await fixture("real.json") { root in
            Self.change("entities", id: 1205, in: &root) { $0["access"] = [1, 503, 504] }
            Self.change("chats", id: 1763, in: &root) { $0["members"] = [1, 503, 504, 506] }
        }
        let sandbox = try await LiveSandbox.start(fixture: try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: real)))))
        defer { Task { await sandbox.stop() } }
        let journal = path("mixed.jsonl")

        let tried = try await Binary.b24luaAsync(["--sandbox=\(trial)", "--journal", journal, "-e",
                                                  "b24.chat_user_add{entity_type = 'lead', entity = 1205, user = 504, chat = 1763}"],
                                                 environment: environment)
        #expect(tried.status == 0, "\(tried.stderr)")
        let ran = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'deal', entity = 2001, user = 506, chat = 1801}"],
                                               environment: environment)
        #expect(ran.status == 0, "\(ran.stderr)")
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains(#""portal":"sandbox:sandbox.example""#), "\(text)")
        #expect(text.contains("\"portal\":\"\(sandbox.identity)\""), "\(text)")

        let deletesBefore = sandbox.calls(Self.delete)
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stdout.contains("undo 1/1: imopenlines.crm.chat.user.add deal 2001 user 506 chat 1801 … ok"), "\(undo.stdout)")
        #expect(undo.stdout.contains("another portal: skipped 1 write(s) sent to sandbox:sandbox.example"), "\(undo.stdout)")
        #expect(sandbox.members(1763) == [1, 503, 504, 506], "the trial's inverse was not applied here")
        #expect(sandbox.members(1801) == [1, 503, 506])
        #expect(sandbox.calls(Self.delete) == deletesBefore)
    }

    /// Two portals on one host differ by port: a journal of one is refused on the other.
    @Test func anotherPortOfTheSameHostIsAnotherPortal() async throws {
        let a = try await LiveSandbox.start()
        defer { Task { await a.stop() } }
        let b = try await LiveSandbox.start()
        defer { Task { await b.stop() } }
        let journal = path("a.jsonl")
        let run = try await Binary.b24luaAsync(["--webhook", a.webhookURL, "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"],
                                               environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let before = b.requests
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", b.webhookURL], environment: environment)
        #expect(undo.status == 2, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("was written against \(a.identity), not \(b.identity)"), "\(undo.stderr)")
        #expect(b.requests == before)
        #expect(b.members(1763) == [1, 503, 506])
    }

    /// A line that names no portal is no portal's: it is not applied without --force.
    @Test func linesWithoutAPortalAreNotApplied() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let intent = UndoCommandTests.line(["v": 1, "run": "t1", "seq": 1, "phase": "intent", "method": .string(Self.add),
                                            "params": UndoCommandTests.params("lead", 1205, user: 503, chat: 1763)])
        let outcome = UndoCommandTests.outcome(1, Self.add, ok: true, result: 1763)
        let journal = path("noportal.jsonl")
        try (intent + "\n" + outcome + "\n").write(toFile: journal, atomically: true, encoding: .utf8)
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 2, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("no portal named"), "\(undo.stderr)")
        #expect(sandbox.requests == 0)
        #expect(sandbox.members(1763) == [1, 503, 506])
    }

    // MARK: One run

    @Test func runUndoesOneRunOfSeveral() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let journal = path("two.jsonl")
        for chunk in ["b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}",
                      "b24.chat_user_delete{entity_type = 'deal', entity = 2001, user = 506, chat = 1801}"] {
            let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e", chunk], environment: environment)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let runs = try runIds(journal)
        #expect(runs.count == 2)

        let first = try await Binary.b24luaAsync(["undo", journal, "--run", runs[0], "--webhook", sandbox.webhookURL],
                                                 environment: environment)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("undo: 1 undone"), "\(first.stdout)")
        #expect(sandbox.members(1763) == [1, 503, 506])
        #expect(sandbox.members(1801) == [1, 503], "the other run is left alone")

        let unknown = try await Binary.b24luaAsync(["undo", journal, "--run", "nosuchrun", "--webhook", sandbox.webhookURL],
                                                   environment: environment)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no run 'nosuchrun'") && unknown.stderr.contains(runs[0]) && unknown.stderr.contains(runs[1]),
                "\(unknown.stderr)")
    }

    // MARK: Torn lines

    /// A run cut off while appending its last line, then another run appended: the next run ends
    /// the torn line first, and undo skips the torn line and undoes both runs.
    @Test func aTornLineBeforeALaterRunIsSkippedAndBothRunsAreUndone() async throws {
        let journal = path("torn.jsonl")
        let first = try await Binary.b24luaAsync(["--sandbox", "--journal", journal, "-e",
                                                  "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"],
                                                 environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: journal))
        bytes.removeLast(20)  // the power went while the outcome line was written
        try bytes.write(to: URL(fileURLWithPath: journal))
        let second = try await Binary.b24luaAsync(["--sandbox", "--journal", journal, "-e",
                                                   "b24.chat_user_delete{entity_type = 'deal', entity = 2001, user = 506, chat = 1801}"],
                                                  environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4, "the torn line stays on its own: \(lines)")

        let undo = try await Binary.b24luaAsync(["undo", journal, "--sandbox"], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 2 is torn"), "\(undo.stderr)")
        #expect(undo.stdout.contains("undo 1/2: imopenlines.crm.chat.user.add deal 2001 user 506 chat 1801"), "\(undo.stdout)")
        #expect(undo.stdout.contains("undo 2/2: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763"), "\(undo.stdout)")
    }

    /// The same, written by a b24lua that did not end the torn line: the later run's first line
    /// is glued to it, and is read from where it starts.
    @Test func aLineGluedToATornOneIsRead() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let p = sandbox.identity
        let torn = String(UndoCommandTests.intent(1, Self.delete, UndoCommandTests.params("lead", 1205, user: 503, chat: 1763), portal: p)
            .prefix(60))
        let later = UndoCommandTests.intent(2, Self.delete, UndoCommandTests.params("deal", 2001, user: 506, chat: 1801), portal: p)
        let journal = path("glued.jsonl")
        try (torn + later + "\n" + UndoCommandTests.outcome(2, Self.delete, ok: true, result: 1801) + "\n")
            .write(toFile: journal, atomically: true, encoding: .utf8)
        let client = try sandbox.client()
        _ = try await client.call(Self.delete, UndoCommandTests.params("deal", 2001, user: 506, chat: 1801))
        await client.shutdown()

        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 1 starts with a torn entry"), "\(undo.stderr)")
        #expect(undo.stdout.contains("undo 1/1: imopenlines.crm.chat.user.add deal 2001 user 506 chat 1801 … ok"), "\(undo.stdout)")
        #expect(sandbox.members(1801) == [1, 503, 506])
    }

    // MARK: The journal being undone, by any name

    @Test func aHardLinkOrSymlinkToTheUndoneJournalIsTheSameFile() async throws {
        let journal = path("run.jsonl")
        let run = try await Binary.b24luaAsync(["--sandbox", "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"],
                                               environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        let hard = path("hard.jsonl"), soft = path("sub/soft.jsonl")
        try FileManager.default.linkItem(atPath: journal, toPath: hard)
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: soft, withDestinationPath: "../run.jsonl")

        for other in [hard, soft] {
            let explicit = try await Binary.b24luaAsync(["undo", journal, "--sandbox", "--journal", other], environment: environment)
            #expect(explicit.status == 2, "\(other): \(explicit.stdout)\(explicit.stderr)")
            #expect(explicit.stderr.contains("is the journal being undone"), "\(explicit.stderr)")
            var env = environment
            env["B24LUA_JOURNAL"] = other
            let viaEnvironment = try await Binary.b24luaAsync(["undo", journal, "--sandbox"], environment: env)
            #expect(viaEnvironment.stderr.contains("B24LUA_JOURNAL is the journal being undone"), "\(viaEnvironment.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
    }

    // MARK: Lines checked against the catalog

    /// Forged lines: a USER_ID that is an array (PHP would read user 1, the admin), an unknown
    /// entity type, a negative entity, a result that is no chat id. Nothing is sent.
    @Test func linesThatDoNotFitTheCatalogAreRefusedByNumber() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let p = sandbox.identity
        func params(_ type: JSONValue, _ entity: JSONValue, _ user: JSONValue) -> JSONValue {
            ["CRM_ENTITY_TYPE": type, "CRM_ENTITY": entity, "USER_ID": user, "CHAT_ID": 1763]
        }
        let lines = [
            UndoCommandTests.intent(1, Self.add, params("lead", 1205, [1]), portal: p),            // line 1
            UndoCommandTests.outcome(1, Self.add, ok: true, result: 1763),
            UndoCommandTests.intent(2, Self.add, params("bogus", 1205, 503), portal: p),           // line 3
            UndoCommandTests.outcome(2, Self.add, ok: true, result: 1763),
            UndoCommandTests.intent(3, Self.add, params("lead", -5, 503), portal: p),              // line 5
            UndoCommandTests.intent(4, Self.add, params("lead", 1205, 503), portal: p),            // line 6
            UndoCommandTests.outcome(4, Self.add, ok: true, result: ["x": 1]),
            UndoCommandTests.intent(5, Self.add, params("lead", 1205, 503), portal: p),            // fine
        ]
        let journal = path("forged.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: journal, atomically: true, encoding: .utf8)

        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 2, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("4 line(s)") && undo.stderr.contains("nothing was sent"), "\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 1: \(Self.add): USER_ID: a positive integer expected, got an array"), "\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 3: \(Self.add): CRM_ENTITY_TYPE:"), "\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 5: \(Self.add): CRM_ENTITY: a positive integer expected, got -5"), "\(undo.stderr)")
        #expect(undo.stderr.contains("journal line 6: \(Self.add): result:"), "\(undo.stderr)")
        // --force lifts the portal check, never this one.
        let forced = try await Binary.b24luaAsync(["undo", journal, "--force", "--webhook", sandbox.webhookURL], environment: environment)
        #expect(forced.status == 2 && forced.stderr.contains("journal line 1: \(Self.add): USER_ID"), "\(forced.stdout)\(forced.stderr)")
        #expect(sandbox.requests == 0)
        #expect(sandbox.members(1763) == [1, 503, 506], "the admin is still a member")
    }

    // MARK: Secrets in method names

    @Test func aSecretInAMethodNameReachesNeitherJournalNorPlan() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let journal = path("secret.jsonl")
        let chunk = """
            print(b24.try.call("crm.lead.add?auth=topsecret77", {}))
            print(b24.try.call("crm.sandbox1admin.add", {}))
            """
        let run = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e", chunk], environment: environment)
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("crm.lead.add?auth=***"), "\(text)")
        let dry = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--dry-run", "-e", chunk], environment: environment)
        #expect(dry.stderr.contains("2 write(s) planned"), "\(dry.stderr)")
        for out in [text, run.stdout, run.stderr, dry.stdout, dry.stderr] {
            #expect(!out.contains("topsecret77") && !out.contains("sandbox1admin"), "\(out)")
        }
    }

    // MARK: Verifying needs the im scope

    /// A webhook without `im` cannot read members: a second undo says it cannot verify and names
    /// the scope, instead of "1 failed" with the portal's ambiguous WRONG_REQUEST.
    @Test func withoutTheImScopeUndoSaysItCannotVerify() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        guard case .object(var data) = sandbox.dataState else { Issue.record("no state"); return }
        var hooks = data["webhooks"]?.arrayValue ?? []
        hooks.append(["user": 1, "code": "noimscope1", "scopes": ["imopenlines", "crm", "user"]])
        data["webhooks"] = .array(hooks)
        await sandbox.reset(fixture: JSONValue.object(data).serialized())
        let hook = sandbox.webhook(user: 1, code: "noimscope1")
        let journal = path("noim.jsonl")
        let run = try await Binary.b24luaAsync(["--webhook", hook, "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763}"],
                                               environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let first = try await Binary.b24luaAsync(["undo", journal, "--webhook", hook], environment: environment)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

        let second = try await Binary.b24luaAsync(["undo", journal, "--webhook", hook], environment: environment)
        #expect(second.status == 1, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("cannot verify") && second.stdout.contains("needs the 'im' scope"), "\(second.stdout)")
        #expect(second.stdout.contains("0 failed, 1 not verified"), "\(second.stdout)")
        #expect(!second.stdout.contains("1 failed"), "\(second.stdout)")
        #expect(!second.stdout.contains("noimscope1") && !second.stderr.contains("noimscope1"))
        #expect(sandbox.members(1763) == [1, 503, 506])
    }
}
