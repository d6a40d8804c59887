import ArgumentParser
import B24
import B24Lua
import B24Run
import Foundation
import Synchronization

/// `b24lua undo JOURNAL [--dry-run] [--force] [portal options]`: sends the inverse of every
/// write a journal recorded as done (or possibly done), newest first, so a run can be taken back
/// (docs/journal.md). An ArgumentParser subcommand like the others; portal options may also come
/// before `undo` (`CommandRoute` hands them over).
struct UndoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Apply the inverse of every successful write in a journal, newest first.",
        discussion: """
            imopenlines.crm.chat.user.delete <-> imopenlines.crm.chat.user.add. Writes whose outcome \
            is unknown are undone too; failed writes are skipped; running it again is harmless. \
            Portal options may also come before 'undo' (b24lua --webhook-file F undo run.jsonl).
            """)

    @Argument(help: ArgumentHelp("The journal to undo ('-': standard input).", valueName: "journal"))
    var journals: [String] = []

    @Flag(help: "Undo although the journal was written against another portal.")
    var force = false

    @OptionGroup(title: "Portal options")
    var portal: PortalOptions

    func validate() throws {
        guard let first = journals.first else { throw ValidationError("which journal? (b24lua undo JOURNAL)") }
        guard journals.count == 1 else { throw ValidationError("one journal at a time (got '\(first)' and '\(journals[1])')") }
        do throws(UsageError) { _ = try portal.flags() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        let flags: B24Flags
        do throws(UsageError) { flags = try portal.flags() } catch { throw ValidationError(error.description) }
        try Self.undo(Options(journal: journals[0], flags: flags, force: force)).end()
    }

    /// What a parsed command line asks for.
    struct Options {
        /// A path, or `-` for standard input.
        var journal: String
        var flags: B24Flags
        var force: Bool
    }

    static func undo(_ options: Options) -> ExitStatus {
        let writes: [JournaledWrite]
        let portals: Set<String>
        do {
            // `-` is read from the descriptor: opening /dev/stdin fails on a pipe or socket.
            let text = options.journal == "-"
                ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                : try String(contentsOfFile: options.journal, encoding: .utf8)
            var warnings: [String] = []
            writes = try JournaledWrite.read(text, warnings: &warnings)
            for w in warnings { complain("\(options.journal): warning: \(w)") }
            portals = journalPortals(text)
        } catch let error as B24Error {
            complain("\(options.journal): \(error.message)")
            return .usage
        } catch {
            complain("cannot read journal \(options.journal): \(error.localizedDescription)")
            return .usage
        }
        let plan = writes.reversed().map(UndoStep.init)
        guard !plan.isEmpty else {
            print("undo: \(options.journal) records no writes; nothing to undo")
            return .success
        }

        let connection: PortalConnection?
        do {
            connection = try open(options)
        } catch {
            complain(error.description)
            return .usage
        }
        defer { connection?.shutdown() }
        if let host = connection?.host, !portals.isEmpty, !portals.contains(host), !options.force {
            complain("\(options.journal) was written against \(portals.sorted().joined(separator: ", ")), "
                     + "not \(host); pass --force to undo it there anyway")
            return .usage
        }
        if !options.flags.dryRun, connection?.client == nil {
            complain((connection?.unavailable ?? .configError("no portal configured")).description)
            return .usage
        }
        var undoJournal: Journal?
        let fromEnvironment = options.flags.journal == nil
        if !options.flags.dryRun, let path = options.flags.journal ?? ProcessInfo.processInfo.environment["B24LUA_JOURNAL"],
           !path.isEmpty {
            // Journaling the inverses into the journal being undone would make it undo itself.
            if sameFile(path, options.journal) {
                if !fromEnvironment {
                    complain("--journal \(path) is the journal being undone; name another file")
                    return .usage
                }
                complain("warning: B24LUA_JOURNAL is the journal being undone; the undo's own writes are not journaled")
            } else {
                do { undoJournal = try Journal(path: path, portal: connection?.host ?? "") } catch {
                    complain(error.description)
                    return .usage
                }
            }
        }

        var tally = Tally()
        let outcomes = execute(plan, dryRun: options.flags.dryRun, client: connection?.client, journal: undoJournal)
        for (i, (step, outcome)) in zip(plan, outcomes).enumerated() {
            tally.count(outcome, method: step.write.method)
            print(Redaction.redact(outcome.line(step, position: "\(i + 1)/\(plan.count)")))
        }
        fflush(nil)
        print(tally.summary(dryRun: options.flags.dryRun))
        if !tally.cannotUndo.isEmpty {
            print("cannot undo (no known inverse): " + tally.cannotUndo.joined(separator: ", "))
        }
        fflush(nil)
        return tally.failed > 0 || !tally.cannotUndo.isEmpty ? .scriptError : .success
    }

    // MARK: One step

    /// What happened to one journaled write.
    enum Outcome {
        case undone
        case wouldUndo
        case alreadyUndone
        case failed(B24Error)
        /// The original write did nothing to undo (it failed, or returned chat 0).
        case skipped(String)
        case cannotUndo

        func line(_ step: UndoStep, position: String) -> String {
            let verb: String
            switch self {
            case .skipped: verb = "skip"
            case .cannotUndo: verb = "cannot undo"
            case .wouldUndo: verb = "would undo"
            default: verb = "undo"
            }
            let what = step.inverse.map { "\($0) \(step.target)" } ?? step.write.method
            let result: String
            switch self {
            case .undone: result = "ok"
            case .wouldUndo: result = step.write.ok == true ? "not sent (dry run)" : "not sent (dry run; outcome was unknown)"
            case .alreadyUndone: result = "already undone"
            case .failed(let e): result = "failed: \(e.description)"
            case .skipped(let why): result = why
            case .cannotUndo: result = "no known inverse"
            }
            return "\(verb) \(position): \(what) … \(result)"
        }
    }

    /// Every step's outcome, in plan order. The inverses go out batched, as `b24.each` sends
    /// (docs/journal.md): batch requests of 50, several in flight, paced by the client's limiter,
    /// through the call pipeline (so they are journaled). Steps on the same member of the same
    /// entity keep their newest-first order: they go in separate rounds, one after another.
    static func execute(_ plan: [UndoStep], dryRun: Bool, client: B24Client?, journal: Journal?) -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: plan.count)
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
        var refusedOrAlready: [Int: B24Error] = [:]
        for round in rounds(toSend, plan) {
            let commands = round.map { i in
                BatchCommand(key: "u\(i)", method: plan[i].inverseCall!.method, params: plan[i].inverseCall!.params)
            }
            let run = blocking { () async throws(B24Error) -> BatchRun in try await pipeline.batch(commands, halt: false) }
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
        let already = inState(refusedOrAlready.keys.sorted(), plan, client: client)
        for (i, e) in refusedOrAlready { outcomes[i] = already.contains(i) ? .alreadyUndone : .failed(e) }
        return outcomes.map { $0! }
    }

    /// `steps` (newest first) cut into rounds in which no member of an entity appears twice.
    static func rounds(_ steps: [Int], _ plan: [UndoStep]) -> [[Int]] {
        CallPipeline.rounds(keys: steps.map { plan[$0].memberKey }).map { $0.map { steps[$0] } }
    }

    /// The steps whose inverse's state is already there: the user is (for an add) or is not (for
    /// a delete) a member of the step's chat. Chats the journal does not name are looked up; all
    /// of it in batches of reads.
    static func inState(_ steps: [Int], _ plan: [UndoStep], client: B24Client) -> Set<Int> {
        guard !steps.isEmpty else { return [] }
        var chats: [Int: Int64] = [:]
        var unnamed: [Int] = []
        for i in steps {
            if let c = plan[i].chat, c > 0 { chats[i] = c } else { unnamed.append(i) }
        }
        let lookups = reads(client, unnamed.compactMap { i in
            MethodCatalog.resolution(of: plan[i].write.method).map { ($0.lookup, $0.lookupParams(plan[i].write.params)) }
        })
        for (i, r) in zip(unnamed, lookups) { if let c = r?.intValue, c > 0 { chats[i] = c } }
        let distinct = Array(Set(chats.values)).sorted()
        let lists = reads(client, distinct.map { (MethodCatalog.membersMethod, ["CHAT_ID": .int($0)]) })
        var members: [Int64: Set<Int64>] = [:]
        for (c, r) in zip(distinct, lists) {
            if let a = r?.arrayValue { members[c] = Set(a.compactMap(\.intValue)) }
        }
        var out: Set<Int> = []
        for i in steps {
            guard let c = chats[i], let m = members[c], let user = plan[i].param("USER_ID")?.intValue,
                  let inverse = plan[i].inverseCall?.method else { continue }
            guard let wantMember = MethodCatalog.entry(inverse)?.leavesMember else { continue }
            if m.contains(user) == wantMember { out.insert(i) }
        }
        return out
    }

    /// Reads in batches; nil where one failed.
    static func reads(_ client: B24Client, _ calls: [(String, JSONValue)]) -> [JSONValue?] {
        guard !calls.isEmpty else { return calls.map { _ in nil } }
        let commands = calls.enumerated().map { BatchCommand(key: "r\($0.offset)", method: $0.element.0, params: $0.element.1) }
        guard case .success(let run) = blocking({ () async throws(B24Error) -> BatchRun in try await client.batchRun(commands) })
        else { return calls.map { _ in nil } }
        return run.outcomes.map { if case .success(let r) = $0 { r.result } else { nil } }
    }

    /// Both name the same file (or would, once created).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func resolved(_ p: String) -> String {
            URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path
        }
        return resolved(a) == resolved(b)
    }

    /// Runs client work from this synchronous main thread; the client runs on the cooperative pool.
    static func blocking<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T) -> Result<T, B24Error> {
        let box = Mutex<Result<T, B24Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let r: Result<T, B24Error>
            do throws(B24Error) { r = .success(try await op()) } catch { r = .failure(error) }
            box.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }

    // MARK: Setup

    static func open(_ options: Options) throws(B24Error) -> PortalConnection? {
        let settings = try PortalSettings.resolve(options.flags, environment: ProcessInfo.processInfo.environment)
        if case .none = settings.target, options.flags.dryRun { return nil }
        return try PortalConnection.open(settings, verbose: options.flags.verbose)
    }

    /// The hosts the journal's writes were sent to (its intent lines name them).
    static func journalPortals(_ text: String) -> Set<String> {
        var hosts: Set<String> = []
        for line in text.split(separator: "\n") {
            if let v = try? JSONValue.parse(String(line)), let p = v["portal"]?.stringValue, !p.isEmpty { hosts.insert(p) }
        }
        return hosts
    }

    static func complain(_ text: String) {
        FileHandle.standardError.write(Data("b24lua undo: \(Redaction.redact(text))\n".utf8))
    }

    struct Tally {
        var undone = 0, wouldUndo = 0, alreadyUndone = 0, skipped = 0, failed = 0
        var cannotUndo: [String] = []
        var cannotUndoCount = 0

        mutating func count(_ outcome: Outcome, method: String) {
            switch outcome {
            case .undone: undone += 1
            case .wouldUndo: wouldUndo += 1
            case .alreadyUndone: alreadyUndone += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            case .cannotUndo:
                cannotUndoCount += 1
                if !cannotUndo.contains(method) { cannotUndo.append(method) }
            }
        }

        func summary(dryRun: Bool) -> String {
            if dryRun {
                return "undo (dry run): \(wouldUndo) to undo, \(skipped) skipped, \(cannotUndoCount) cannot be undone; nothing sent"
            }
            return "undo: \(undone) undone, \(alreadyUndone) already undone, \(skipped) skipped, \(failed) failed, "
                + "\(cannotUndoCount) cannot be undone"
        }
    }
}

/// One journaled write seen from the undo side: its inverse, if any, and why it may need none.
/// Every fact about the method (its inverse, how its result names the chat) is the method
/// catalog's (docs/method-catalog.md).
struct UndoStep {
    let write: JournaledWrite

    init(_ write: JournaledWrite) { self.write = write }

    var inverse: String? { MethodCatalog.inverse(of: write.method) }

    /// A parameter by name, as the portal reads it (case-insensitively).
    func param(_ name: String) -> JSONValue? { MethodCatalog.param(name, in: write.params) }

    /// The chat the original acted on: its result, or the `CHAT_ID` it named when the outcome is unknown.
    var chat: Int64? {
        MethodCatalog.actedOn(write.method, params: write.params, result: write.ok == true ? write.result : nil)?.intValue
    }

    var skipReason: String? {
        let unknown = write.ok == nil || write.outcomeUnknown
        if write.ok == false && !unknown { return "the original write failed; nothing to undo" }
        if write.ok == true, inverse != nil, chat == 0 { return "the original did nothing (chat 0)" }
        return nil
    }

    /// The inverse with the original's entity and user and the chat it acted on. When the chat is
    /// unknown (an unknown outcome without `CHAT_ID`) it is left out, so the portal picks the
    /// same last chat.
    var inverseCall: (method: String, params: JSONValue)? {
        MethodCatalog.inverseCall(of: write.method, params: write.params, actedOn: chat.map { .int($0) })
    }

    /// Which member of which entity the step changes: steps sharing it must keep their order.
    var memberKey: String {
        let type = param("CRM_ENTITY_TYPE").map(paramText)?.lowercased() ?? "?"
        return "\(type)/\(param("CRM_ENTITY").map(paramText) ?? "?")/\(param("USER_ID").map(paramText) ?? "?")"
    }

    /// `lead 1205 user 503 chat 1763`
    var target: String {
        let type = param("CRM_ENTITY_TYPE").map(paramText) ?? "?"
        let entity = param("CRM_ENTITY").map(paramText) ?? "?"
        let user = param("USER_ID").map(paramText) ?? "?"
        let chatText = chat.map { $0 > 0 ? "chat \($0)" : "chat 0" } ?? "last chat"
        return "\(type.lowercased()) \(entity) user \(user) \(chatText)"
    }
}

/// A scalar parameter as text for a progress line.
private func paramText(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): s
    case .int(let n): String(n)
    case .double(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .bool(let b): b ? "true" : "false"
    default: "?"
    }
}
