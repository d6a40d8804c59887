import B24
import B24Wire

/// The undo engine (docs/journal.md, "Undo"): from a journal's writes to the inverses to send,
/// newest first, and what became of each. `b24lua undo` parses its command line, opens the
/// portal and prints; the planning and the sending are here, beside `Journal`.
public enum UndoEngine {
    /// The lines that do not fit the catalog's types, as messages: such a line is not turned into
    /// a call (docs/journal.md), and one of them refuses the whole journal.
    public static func problems(_ writes: [JournaledWrite]) -> [String] {
        writes.compactMap { w in UndoStep(w).problem.map { "journal line \(w.line): \(w.method): \($0)" } }
    }

    /// The runs of a journal, in the order they first appear.
    public static func orderedRuns(_ writes: [JournaledWrite]) -> [String] {
        var seen: Set<String> = []
        return writes.compactMap { seen.insert($0.run).inserted ? $0.run : nil }
    }

    /// The writes sent to the portal `here`, and how many were sent to each other portal: a
    /// journal may also hold a trial run on the sandbox, or a run against another portal.
    public static func partition(_ writes: [JournaledWrite], here: String)
        -> (here: [JournaledWrite], elsewhere: [(portal: String, count: Int)]) {
        var elsewhere: [(portal: String, count: Int)] = []
        for w in writes where w.portal != here {
            if let i = elsewhere.firstIndex(where: { $0.portal == w.portalName }) { elsewhere[i].count += 1 }
            else { elsewhere.append((w.portalName, 1)) }
        }
        return (writes.filter { $0.portal == here }, elsewhere)
    }

    /// The steps, newest write first.
    public static func plan(_ writes: [JournaledWrite]) -> [UndoStep] { writes.reversed().map(UndoStep.init) }

    // MARK: Sending

    /// Every step's outcome, in plan order. The inverses go out batched, as `b24.each` sends
    /// (docs/journal.md): batch requests of 50, several in flight, paced by the client's limiter,
    /// through the call pipeline (so they are journaled). Steps on the same member of the same
    /// entity keep their newest-first order: they go in separate rounds, one after another.
    public static func execute(_ plan: [UndoStep], dryRun: Bool, client: B24Client?, journal: Journal?) -> [UndoOutcome] {
        var outcomes = [UndoOutcome?](repeating: nil, count: plan.count)
        var toSend: [Int] = []
        for (i, step) in plan.enumerated() {
            if let skip = step.skipReason { outcomes[i] = .skipped(skip) }
            else if step.inverseCall == nil { outcomes[i] = .cannotUndo }
            else if dryRun { outcomes[i] = .wouldUndo }
            else { toSend.append(i) }
        }
        guard !toSend.isEmpty else { return outcomes.map { $0! } }
        guard let client else {
            for i in toSend { outcomes[i] = .failed(.configError("no portal configured")) }
            return outcomes.map { $0! }
        }
        let pipeline = CallPipeline(client: client, journal: journal)
        // The calling thread waits through an executor of its own (docs/architecture.md, rule 3).
        let executor = ThreadExecutor()
        defer { executor.release() }
        var refusedOrAlready: [Int: B24Error] = [:]
        for round in rounds(toSend, plan) {
            let commands = round.map { i in
                BatchCommand(key: "u\(i)", method: plan[i].inverseCall!.method, params: plan[i].inverseCall!.params)
            }
            let run = executor.result { () async throws(B24Error) -> BatchRun in try await pipeline.batch(commands, halt: false) }
            let results: [BatchOutcome]
            switch run {
            case .success(let r): results = r.outcomes
            case .failure(let e): results = commands.map { _ in .failure(e) }
            }
            for (i, result) in zip(round, results) {
                switch result {
                case .success: outcomes[i] = .undone
                // "You don't have access or user already not in chat": the portal says the same
                // for both, so the chat's members tell whether the state the inverse wants is there.
                case .failure(let e) where e.code == "WRONG_REQUEST": refusedOrAlready[i] = e
                case .failure(let e): outcomes[i] = .failed(e)
                }
            }
        }
        let state = inState(refusedOrAlready.keys.sorted(), plan, client: client, executor: executor)
        for (i, e) in refusedOrAlready {
            switch state[i] {
            case .known(true)?: outcomes[i] = .alreadyUndone
            case .unverified(let why)?: outcomes[i] = .unverified(e, why)
            default: outcomes[i] = .failed(e)
            }
        }
        return outcomes.map { $0! }
    }

    /// `steps` (newest first) cut into rounds in which no member of an entity appears twice.
    static func rounds(_ steps: [Int], _ plan: [UndoStep]) -> [[Int]] {
        CallPipeline.rounds(keys: steps.map { plan[$0].memberKey }).map { $0.map { steps[$0] } }
    }

    /// Whether each step's inverse's state is already there: the user is (for an add) or is not
    /// (for a delete) a member of the step's chat. Chats the journal does not name are looked up;
    /// all of it in batches of reads. A step whose chat or members could not be read has why, as
    /// text naming what is missing (the `im` scope, for the members: docs/journal.md).
    static func inState(_ steps: [Int], _ plan: [UndoStep], client: B24Client, executor: ThreadExecutor) -> [Int: StateCheck] {
        guard !steps.isEmpty else { return [:] }
        var out: [Int: StateCheck] = [:]
        var chats: [Int: Int64] = [:]
        var unnamed: [Int] = []
        for i in steps {
            if let c = plan[i].chat, c > 0 { chats[i] = c } else { unnamed.append(i) }
        }
        let lookups = reads(client, executor, unnamed.compactMap { i in
            MethodCatalog.resolution(of: plan[i].write.method).map { ($0.lookup, $0.lookupParams(plan[i].write.params)) }
        })
        for (i, r) in zip(unnamed, lookups) {
            guard let resolution = MethodCatalog.resolution(of: plan[i].write.method) else { continue }
            switch resolution.chat(fromLookup: r) {
            case .success(let v): if let c = v.intValue, c > 0 { chats[i] = c }  // 0: no chat
            case .failure(let e): out[i] = .unverified(why(e, reading: "the entity's last chat"))
            }
        }
        let distinct = Array(Set(chats.values)).sorted()
        let lists = reads(client, executor, distinct.map { (MethodCatalog.membersMethod, ["CHAT_ID": .int($0)]) })
        var members: [Int64: Result<Set<Int64>, B24Error>] = [:]
        for (c, r) in zip(distinct, lists) {
            members[c] = r.map { Set(($0.arrayValue ?? []).compactMap(\.intValue)) }
        }
        for i in steps where out[i] == nil {
            guard let c = chats[i], let m = members[c], let user = plan[i].param("USER_ID")?.intValue,
                  let inverse = plan[i].inverseCall?.method,
                  let wantMember = MethodCatalog.entry(inverse)?.leavesMember else { continue }
            switch m {
            case .success(let set): out[i] = .known(set.contains(user) == wantMember)
            case .failure(let e): out[i] = .unverified(why(e, reading: "the chat's members (\(MethodCatalog.membersMethod))"))
            }
        }
        return out
    }

    /// Whether a step's wanted state is already there, or why that could not be read (in words).
    enum StateCheck: Equatable {
        case known(Bool)
        case unverified(String)
    }

    /// A read's failure as the reason a step is not verified: a missing scope is named.
    static func why(_ e: B24Error, reading what: String) -> String {
        if e.code == "insufficient_scope", what.contains(MethodCatalog.membersMethod) {
            return "reading \(what) needs the '\(MethodCatalog.membersScope)' scope, which this webhook or app lacks"
        }
        return "reading \(what) failed: \(e.description)"
    }

    /// Reads in batches, one result per call.
    static func reads(_ client: B24Client, _ executor: ThreadExecutor, _ calls: [(String, JSONValue)]) -> [Result<JSONValue, B24Error>] {
        guard !calls.isEmpty else { return [] }
        let commands = calls.enumerated().map { BatchCommand(key: "r\($0.offset)", method: $0.element.0, params: $0.element.1) }
        switch executor.result({ () async throws(B24Error) -> BatchRun in try await client.batchRun(commands) }) {
        case .success(let run):
            return run.outcomes.map { o in
                switch o {
                case .success(let r): .success(r.result)
                case .failure(let e): .failure(e)
                }
            }
        case .failure(let e): return calls.map { _ in .failure(e) }
        }
    }
}
