import B24
import B24Lua
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// One run's link between the Lua state and a portal: the connection, the `b24` module, the
/// journal, and the run limits (--safe, --timeout, --max-memory).
public final class B24Session {
    public let flags: B24Flags
    public let connection: PortalConnection
    public let module: B24Module
    /// The portal options a printed undo command may carry (`PortalSettings.printableOptions`).
    public let printableOptions: [String]?

    public init(flags: B24Flags, environment: [String: String]) throws(B24Error) {
        self.flags = flags
        let settings = try PortalSettings.resolve(flags, environment: environment)
        if flags.saveState != nil {
            guard case .sandbox = settings.target else {
                throw .configError("--save-state keeps the sandbox's state: it goes with --sandbox[=FILE.json]")
            }
        }
        printableOptions = settings.printableOptions
        connection = try PortalConnection.open(settings, verbose: flags.verbose || environment["B24LUA_LOG"] == "debug",
                                               sharedLimit: !flags.noSharedLimit, quiet: flags.quiet)
        var config = B24ModuleConfiguration(client: connection.client, unavailable: connection.unavailable,
                                            portalHost: connection.host)
        config.dryRun = flags.dryRun
        config.assumeYes = flags.yes
        config.progress = !flags.quiet && isatty(STDERR_FILENO) != 0
        config.interactive = isatty(STDIN_FILENO) != 0 && isatty(STDERR_FILENO) != 0
        if let sandbox = connection.sandbox {
            config.sandbox = SandboxAccess(members: { sandbox.members(ofChat: $0) }, state: { sandbox.stateJSON() })
        }
        do throws(B24Error) {
            // --resume JOURNAL journals into JOURNAL too, so that one undo takes back the whole job.
            if let resume = flags.resume {
                if let other = flags.journal, other != resume,
                   FileIdentity(path: other) == nil || FileIdentity(path: other) != FileIdentity(path: resume) {
                    throw B24Error.configError("--resume \(resume) journals into \(resume); --journal \(other) names another file")
                }
                var warnings: [String] = []
                config.resume = try ResumeLedger(path: resume, portal: connection.journalName, warnings: &warnings)
                for w in warnings { StandardError.write("b24lua: --resume \(resume): warning: \(w)\n") }
            }
            if let path = flags.resume ?? flags.journal ?? environment["B24LUA_JOURNAL"], !path.isEmpty, !flags.dryRun {
                config.journal = try Journal(path: path, portal: connection.journalName)
            }
        } catch {
            connection.shutdown()  // the HTTP client must be shut down before it is dropped
            throw error
        }
        module = B24Module(configuration: config)
    }

    /// Makes `b24` available, then applies --safe (reading below `scriptDirectory` too),
    /// --max-memory and --timeout.
    public func install(in lua: LuaState, scriptDirectory: String?) throws(LuaError) {
        try module.install(in: lua.main)
        if flags.safe {
            let policy = FileAccessPolicy(readable: (scriptDirectory.map { [$0] } ?? []) + flags.allowRead,
                                          writable: flags.allowWrite)
            try lua.main.enterSafeMode(policy)
        }
        if let mb = flags.maxMemoryMB { lua.setMemoryLimit(bytes: lua.memoryUsed + Int(mb * 1_048_576)) }
        if let seconds = flags.timeout { LuaInterrupt.stop(after: seconds) }
    }

    /// After the script: the dry-run plan, the sandbox's state for `--save-state`, exit status
    /// 3 for failed `b24.each` items, and a clean shutdown of the client.
    public func finish(_ status: ExitStatus) -> ExitStatus {
        if flags.dryRun {
            StandardError.write(module.planText() + "\n")
        }
        var status = status
        if let path = flags.saveState, let sandbox = connection.sandbox {
            // Whatever the script's end: a failed rehearsal's state tells what it did before failing.
            do throws(B24Error) { try DataSetFile.write(sandbox.dataSetJSON(), to: path) } catch {
                StandardError.write("b24lua: --save-state: \(error.message)\n")
                if status == .success { status = .scriptError }
            }
        }
        if let resume = module.configuration.resume {
            StandardError.write(Redaction.redact(resumeNote(resume)))
        }
        connection.shutdown(on: module.executor)
        if status == .success, let question = module.unansweredQuestion {
            let line = "b24lua: b24.confirm could not ask \"\(question.prefix(200))\": no terminal and no --yes, so it "
                + "answered no: exit status \(ExitStatus.confirmUnanswered.rawValue) (a job run without a terminal "
                + "answers with --yes)\n"
            StandardError.write(Redaction.redact(line))
            return .confirmUnanswered
        }
        if status == .success && module.eachHadFailures { return .itemsFailed }
        return status
    }

    /// What `--resume` skipped, said once at the end of the run.
    private func resumeNote(_ resume: ResumeLedger) -> String {
        let skipped = module.tally.snapshot.alreadyDone
        var text = "b24lua: resumed from \(resume.path): \(skipped) write(s) it shows done were not sent again\n"
        if resume.doneCount == 0 && resume.elsewhereCount > 0 {
            text += "b24lua: note: \(resume.path) holds no writes for this portal (\(resume.elsewhereCount) were sent to another)\n"
        }
        return text
    }

    /// Said when a run is stopped (Ctrl-C, `--timeout`), on a line of its own: what its writes
    /// came to, where they are journaled, and the undo command that takes them back, with only
    /// the portal options that are safe to print (docs/journal.md, "Stopped runs").
    public func stopSummary() -> String {
        let c = module.tally.snapshot
        var lines = ["b24lua: stopped: \(c.done) write(s) done, \(c.failed) failed, \(c.unknown) outcome unknown"
                     + (c.alreadyDone > 0 ? ", \(c.alreadyDone) already done before (--resume)" : "")]
        if let journal = module.configuration.journal {
            let portal = printableOptions.map { $0.map(Self.shellQuoted).joined(separator: " ") } ?? "[portal options]"
            var undo = ["b24lua", "undo", Self.shellQuoted(journal.path)]
            if journal.heldEarlierLines { undo += ["--run", journal.run] }
            if !portal.isEmpty { undo.append(portal) }
            lines.append("b24lua: journal: \(journal.path) (run \(journal.run))")
            lines.append("b24lua: to take this run back: " + undo.joined(separator: " "))
            lines.append("b24lua: to finish the job instead: run the same command with --resume \(Self.shellQuoted(journal.path))")
            if connection.sandbox != nil {
                lines.append("b24lua: (the in-process sandbox starts afresh in every process: there, both find its data set as it was)")
            }
        } else if c.sent > 0 {
            lines.append("b24lua: no --journal: nothing records which writes were done, so undo cannot take them back")
        }
        return Redaction.redact(lines.joined(separator: "\n")) + "\n"
    }

    /// A word as a POSIX shell reads it back: quoted only when it needs to be.
    static func shellQuoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { isAlphanumeric($0) || "-_./=:@%+,~".unicodeScalars.contains($0) }
        if plain && !word.isEmpty { return word }
        return "'" + word.replacing("'", with: "'\\''") + "'"
    }

    /// A letter, a mark or a number of any script (what Foundation's `CharacterSet.alphanumerics` holds).
    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
