import ArgumentParser
import B24
import B24Wire
import B24Lua
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `b24lua undo JOURNAL [--dry-run] [--force] [portal options]`: sends the inverse of every
/// write a journal recorded as done (or possibly done), newest first, so a run can be taken back
/// (docs/journal.md). An ArgumentParser subcommand like the others; portal options may also come
/// before `undo` (`CommandRoute` hands them over). The command reads the file, opens the portal
/// and prints; the planning and sending are B24Lua's `UndoEngine`.
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
    var portal: B24Flags

    func validate() throws {
        guard let first = journals.first else { throw ValidationError("which journal? (b24lua undo JOURNAL)") }
        guard journals.count == 1 else { throw ValidationError("one journal at a time (got '\(first)' and '\(journals[1])')") }
        do throws(UsageError) { try portal.refuseScriptRunOptions(in: "undo") } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        try Self.undo(Options(journal: journals[0], flags: portal, force: force, run: runID)).end()
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
        let problems = UndoEngine.problems(writes)
        if !problems.isEmpty {
            complain("\(options.journal) has \(problems.count) line(s) that no b24lua run writes; nothing was sent:")
            for p in problems.prefix(20) { complain("  " + p) }
            if problems.count > 20 { complain("  … and \(problems.count - 20) more") }
            return .usage
        }
        if let run = options.run {
            let runs = UndoEngine.orderedRuns(writes)
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
            (writes, elsewhere) = UndoEngine.partition(writes, here: here)
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

        let plan = UndoEngine.plan(writes)
        var tally = UndoTally()
        let outcomes = UndoEngine.execute(plan, dryRun: options.flags.dryRun, client: connection?.client, journal: undoJournal)
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
