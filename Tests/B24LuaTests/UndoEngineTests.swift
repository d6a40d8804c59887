import B24
import B24Lua
import Testing

/// The undo engine as B24Lua API (docs/journal.md, "Undo"), without a portal: what it plans from
/// a journal and what a dry run reports. Sending is tested through the binary
/// (Tests/EndToEndTests/UndoCommandTests.swift and its neighbours).
@Suite struct UndoEngineTests {
    static let delete = "imopenlines.crm.chat.user.delete"
    static let add = "imopenlines.crm.chat.user.add"

    static func intent(_ run: String, _ seq: Int, _ method: String, _ params: String, portal: String = "sandbox:x") -> String {
        #"{"v":2,"run":"\#(run)","seq":\#(seq),"phase":"intent","portal":"\#(portal)","method":"\#(method)","params":\#(params)}"#
    }

    static func outcome(_ run: String, _ seq: Int, _ method: String, _ rest: String) -> String {
        #"{"v":2,"run":"\#(run)","seq":\#(seq),"phase":"outcome","portal":"sandbox:x","method":"\#(method)",\#(rest)}"#
    }

    static func writes(_ lines: [String]) throws -> [JournaledWrite] {
        var warnings: [String] = []
        let w = try JournaledWrite.read(lines.joined(separator: "\n") + "\n", warnings: &warnings)
        #expect(warnings.isEmpty)
        return w
    }

    static let lead = #"{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":1205,"USER_ID":503,"CHAT_ID":1763}"#

    @Test func aDryRunPlansNewestFirstAndSendsNothing() throws {
        let writes = try Self.writes([
            Self.intent("a", 1, Self.delete, Self.lead),
            Self.outcome("a", 1, Self.delete, #""ok":true,"result":1763"#),
            Self.intent("a", 2, Self.add, Self.lead),
            Self.outcome("a", 2, Self.add, #""ok":false,"outcome_unknown":false,"error":{"code":"ACCESS_DENIED","description":"x"}"#),
            Self.intent("b", 1, "crm.lead.update", #"{"ID":1}"#),
            Self.outcome("b", 1, "crm.lead.update", #""ok":true,"result":true"#),
        ])
        #expect(UndoEngine.problems(writes).isEmpty)
        #expect(UndoEngine.orderedRuns(writes) == ["a", "b"])
        let plan = UndoEngine.plan(writes)
        #expect(plan.map(\.write.method) == ["crm.lead.update", Self.add, Self.delete])
        let outcomes = UndoEngine.execute(plan, dryRun: true, client: nil, journal: nil)
        var tally = UndoTally()
        for (step, o) in zip(plan, outcomes) { tally.count(o, method: step.write.method) }
        #expect(tally.wouldUndo == 1 && tally.skipped == 1 && tally.cannotUndo == ["crm.lead.update"])
        #expect(outcomes[2].line(plan[2], position: "3/3")
                == "would undo 3/3: \(Self.add) lead 1205 user 503 chat 1763 … not sent (dry run)")
        #expect(tally.summary(dryRun: true) == "undo (dry run): 1 to undo, 1 skipped, 1 cannot be undone; nothing sent")
    }

    @Test func onlyThisPortalsWritesAreKeptAndTheOthersCounted() throws {
        let writes = try Self.writes([
            Self.intent("a", 1, Self.delete, Self.lead, portal: "sandbox:x"),
            Self.intent("a", 2, Self.delete, Self.lead, portal: "https://other.example:443"),
            Self.intent("a", 3, Self.delete, Self.lead, portal: "https://other.example:443"),
        ])
        let (here, elsewhere) = UndoEngine.partition(writes, here: "sandbox:x")
        #expect(here.map(\.seq) == [1])
        #expect(elsewhere.count == 1 && elsewhere[0].portal == "https://other.example:443" && elsewhere[0].count == 2)
    }

    @Test func aLineThatDoesNotFitTheCatalogIsAProblemNamedByLine() throws {
        let writes = try Self.writes([
            Self.intent("a", 1, Self.add, #"{"CRM_ENTITY_TYPE":"bogus","CRM_ENTITY":1205,"USER_ID":503}"#),
            Self.outcome("a", 1, Self.add, #""ok":true,"result":1763"#),
        ])
        let problems = UndoEngine.problems(writes)
        #expect(problems.count == 1 && problems[0].hasPrefix("journal line 1: \(Self.add): "))
    }

    /// Without a portal nothing can be sent: every step that would be is failed, none lost.
    @Test func withoutAClientEveryStepToSendFails() throws {
        let writes = try Self.writes([
            Self.intent("a", 1, Self.delete, Self.lead),
            Self.outcome("a", 1, Self.delete, #""ok":true,"result":1763"#),
        ])
        let outcomes = UndoEngine.execute(UndoEngine.plan(writes), dryRun: false, client: nil, journal: nil)
        guard case .failed(let e) = outcomes.first else { Issue.record("not failed: \(outcomes)"); return }
        #expect(e.code == "CONFIG_ERROR" || e.description.contains("no portal configured"))
    }
}
