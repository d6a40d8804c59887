import ArgumentParser
import B24
import B24Lua
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
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
            is unknown are undone too; failed writes are skipped; running it again is harmless. Only \
            the writes the journal records as sent to this portal are undone; the others are counted \
            as "another portal: skipped". Portal options may also come before 'undo' \
            (b24lua --webhook-file F undo run.jsonl).
            """)

    @Argument(help: ArgumentHelp("The journal to undo ('-': standard input).", valueName: "journal"))
    var journals: [String] = []

    @Flag(help: "Undo every write of the journal here, also those it records as sent to another portal.")
    var force = false

    @Option(name: .customLong("run"), help: ArgumentHelp("Undo only this run of the journal (its 'run' id).", valueName: "ID"))
    var runID: String?

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
        try Self.undo(Options(journal: journals[0], flags: flags, force: force, run: runID)).end()
    }

    /// What a parsed command line asks for.
    struct Options {
        /// A path, or `-` for standard input.
        var journal: String
        var flags: B24Flags
        var force: Bool
        /// `--run ID`: one run of a journal that holds several.
        var run: String? = nil
    }

    static func undo(_ options: Options) -> ExitStatus {
        var writes: [JournaledWrite]
        // Which file is being undone: the one read, taken from the descriptor it is read from (a
        // name swapped for a link meanwhile cannot make it another); `-` is standard input's file.
        let input = options.journal == "-" ? STDIN_FILENO : Glibc.open(options.journal, O_RDONLY | O_CLOEXEC)
        defer { if input > STDIN_FILENO { close(input) } }
        let undoneFile = input >= 0 ? FileIdentity(descriptor: input) : nil
        do throws(B24Error) {
            // `-` is read from the descriptor: opening /dev/stdin fails on a pipe or socket.
            guard input >= 0 else {
                complain("cannot read journal \(options.journal): \(String(cString: strerror(errno)))")
                return .usage
            }
            guard let bytes = FileDescriptors.readToEnd(input) else {
                complain("cannot read journal \(options.journal): \(String(cString: strerror(errno)))")
                return .usage
            }
            // Decoded leniently: a line torn inside a character (a Russian error text) is a torn
            // line, skipped like any other, not a file that cannot be read.
            let text = String(decoding: bytes, as: UTF8.self)
            var warnings: [String] = []
            writes = try JournaledWrite.read(text, warnings: &warnings)
            for w in warnings { complain("\(options.journal): warning: \(w)") }
        } catch {
            complain("\(options.journal): \(error.message)")
            return .usage
        }
        // A line that does not fit the catalog's types is not turned into a call (docs/journal.md).
        let problems = writes.compactMap { w in UndoStep(w).problem.map { "journal line \(w.line): \(w.method): \($0)" } }
        if !problems.isEmpty {
            complain("\(options.journal) has \(problems.count) line(s) that no b24lua run writes; nothing was sent:")
            for p in problems.prefix(20) { complain("  " + p) }
            if problems.count > 20 { complain("  … and \(problems.count - 20) more") }
            return .usage
        }
        if let run = options.run {
            let runs = orderedRuns(writes)
            guard runs.contains(run) else {
                complain("\(options.journal) holds no run '\(run.prefix(40))' (its runs: \(runs.isEmpty ? "none" : runs.joined(separator: ", ")))")
                return .usage
            }
            writes = writes.filter { $0.run == run }
        }
        guard !writes.isEmpty else {
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
        // Only the writes sent to this portal (docs/journal.md): a journal may also hold a trial
        // run on the sandbox, or a run against another portal.
        var elsewhere: [(portal: String, count: Int)] = []
        if let here = connection?.identity, !options.force {
            for w in writes where w.portal != here {
                if let i = elsewhere.firstIndex(where: { $0.portal == w.portalName }) { elsewhere[i].count += 1 }
                else { elsewhere.append((w.portalName, 1)) }
            }
            writes = writes.filter { $0.portal == here }
            if writes.isEmpty {
                complain("\(options.journal) was written against \(elsewhere.map(\.portal).joined(separator: ", ")), "
                         + "not \(here); pass --force to undo it there anyway")
                return .usage
            }
        }
        if !options.flags.dryRun, connection?.client == nil {
            complain((connection?.unavailable ?? .configError("no portal configured")).description)
            return .usage
        }
        var undoJournal: Journal?
        let fromEnvironment = options.flags.journal == nil
        if !options.flags.dryRun, let path = options.flags.journal ?? ProcessInfo.processInfo.environment["B24LUA_JOURNAL"],
           !path.isEmpty {
            // Journaling the inverses into the journal being undone would make it undo itself;
            // a link or another spelling of its name is the same file (device and inode).
            if let undoneFile, FileIdentity(path: path) == undoneFile {
                if !fromEnvironment {
                    complain("--journal \(path) is the journal being undone; name another file")
                    return .usage
                }
                complain("warning: B24LUA_JOURNAL is the journal being undone; the undo's own writes are not journaled")
            } else {
                do { undoJournal = try Journal(path: path, portal: connection?.journalName ?? PortalConnection.unnamed) } catch {
                    complain(error.description)
                    return .usage
                }
            }
        }

        let plan = writes.reversed().map(UndoStep.init)
        var tally = Tally()
        let outcomes = execute(plan, dryRun: options.flags.dryRun, client: connection?.client, journal: undoJournal)
        for (i, (step, outcome)) in zip(plan, outcomes).enumerated() {
            tally.count(outcome, method: step.write.method)
            show(outcome.line(step, position: "\(i + 1)/\(plan.count)"))
        }
        fflush(nil)
        print(tally.summary(dryRun: options.flags.dryRun))
        for (portal, count) in elsewhere {
            show("another portal: skipped \(count) write(s) sent to \(portal) (undo them with that portal's options, or --force)")
        }
        if !tally.cannotUndo.isEmpty {
            show("cannot undo (no known inverse): " + tally.cannotUndo.joined(separator: ", "))
        }
        if tally.unverified > 0 {
            print("not verified: give the webhook or app the '\(MethodCatalog.membersScope)' scope so undo can read chat members "
                  + "(\(MethodCatalog.membersMethod)), then run undo again")
        }
        fflush(nil)
        return tally.succeeded ? .success : .scriptError
    }

    /// The runs of a journal, in the order they first appear.
    static func orderedRuns(_ writes: [JournaledWrite]) -> [String] {
        var seen: Set<String> = []
        return writes.compactMap { seen.insert($0.run).inserted ? $0.run : nil }
    }

    // MARK: Sending

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
        let state = inState(refusedOrAlready.keys.sorted(), plan, client: client)
        for (i, e) in refusedOrAlready {
            switch state[i] {
            case .some(.success(true)): outcomes[i] = .alreadyUndone
            case .some(.failure(let why)): outcomes[i] = .unverified(e, why.text)
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
    static func inState(_ steps: [Int], _ plan: [UndoStep], client: B24Client) -> [Int: Result<Bool, Unverifiable>] {
        guard !steps.isEmpty else { return [:] }
        var out: [Int: Result<Bool, Unverifiable>] = [:]
        var chats: [Int: Int64] = [:]
        var unnamed: [Int] = []
        for i in steps {
            if let c = plan[i].chat, c > 0 { chats[i] = c } else { unnamed.append(i) }
        }
        let lookups = reads(client, unnamed.compactMap { i in
            MethodCatalog.resolution(of: plan[i].write.method).map { ($0.lookup, $0.lookupParams(plan[i].write.params)) }
        })
        for (i, r) in zip(unnamed, lookups) {
            guard let resolution = MethodCatalog.resolution(of: plan[i].write.method) else { continue }
            switch resolution.chat(fromLookup: r) {
            case .success(let v): if let c = v.intValue, c > 0 { chats[i] = c }  // 0: no chat
            case .failure(let e): out[i] = .failure(Unverifiable(why(e, reading: "the entity's last chat")))
            }
        }
        let distinct = Array(Set(chats.values)).sorted()
        let lists = reads(client, distinct.map { (MethodCatalog.membersMethod, ["CHAT_ID": .int($0)]) })
        var members: [Int64: Result<Set<Int64>, B24Error>] = [:]
        for (c, r) in zip(distinct, lists) {
            members[c] = r.map { Set(($0.arrayValue ?? []).compactMap(\.intValue)) }
        }
        for i in steps where out[i] == nil {
            guard let c = chats[i], let m = members[c], let user = plan[i].param("USER_ID")?.intValue,
                  let inverse = plan[i].inverseCall?.method,
                  let wantMember = MethodCatalog.entry(inverse)?.leavesMember else { continue }
            switch m {
            case .success(let set): out[i] = .success(set.contains(user) == wantMember)
            case .failure(let e): out[i] = .failure(Unverifiable(why(e, reading: "the chat's members (\(MethodCatalog.membersMethod))")))
            }
        }
        return out
    }

    /// Why a step could not be verified, in words.
    struct Unverifiable: Error, Equatable {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// A read's failure as the reason a step is not verified: a missing scope is named.
    static func why(_ e: B24Error, reading what: String) -> String {
        if e.code == "insufficient_scope", what.contains(MethodCatalog.membersMethod) {
            return "reading \(what) needs the '\(MethodCatalog.membersScope)' scope, which this webhook or app lacks"
        }
        return "reading \(what) failed: \(e.description)"
    }

    /// Reads in batches, one result per call.
    static func reads(_ client: B24Client, _ calls: [(String, JSONValue)]) -> [Result<JSONValue, B24Error>] {
        guard !calls.isEmpty else { return [] }
        let commands = calls.enumerated().map { BatchCommand(key: "r\($0.offset)", method: $0.element.0, params: $0.element.1) }
        switch blocking({ () async throws(B24Error) -> BatchRun in try await client.batchRun(commands) }) {
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

    /// Journal lines are text from a file (docs/journal.md, "Undo"): redacted, and their control
    /// characters shown as escapes, never sent to the terminal.
    static func complain(_ text: String) {
        StandardError.write("b24lua undo: \(TerminalText.escaped(Redaction.redact(text)))\n")
    }

    static func show(_ text: String) { print(TerminalText.escaped(Redaction.redact(text))) }
}
