import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// A bulk job stopped part-way (docs/journal.md, "Stopped runs", "Resuming"): the stop prints a
/// summary with the exact undo command instead of a traceback through the module's insides;
/// `--resume` finishes the job without sending again what the journal shows done; one undo
/// still takes back the whole job.
@Suite(.serialized) struct ResumeAndStopTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path, "HOME": dir.path]
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Removes the bot from the chats of leads FIRST..1359, one item at a time; prints the report.
    static func job(first: Int = 1300, concurrency: Int = 50) -> String {
        """
        local leads = {}
        for lead = \(first), 1359 do leads[#leads + 1] = lead end
        local r = b24.each(leads, function(lead)
          b24.chat_user_delete{entity_type = "lead", entity = lead, user = 506}
        end, {concurrency = \(concurrency)})
        local codes = {}
        for _, f in ipairs(r.failed) do codes[#codes + 1] = f.error.code end
        print("report", r.ok, #r.failed, r.already_done, table.concat(codes, ","))
        """
    }

    func hookFile(_ sandbox: LiveSandbox) throws -> String {
        let file = path("hook")
        #expect(FileManager.default.createFile(atPath: file, contents: Data(sandbox.webhookURL.utf8),
                                               attributes: [.posixPermissions: 0o600]))
        return file
    }

    static func report(_ stdout: String) -> [String]? {
        stdout.split(separator: "\n").first { $0.hasPrefix("report\t") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Half the job, then the whole job again with --resume: the done half is skipped, not failed;
    /// one undo takes back all 60 writes.
    @Test func resumeSkipsWhatTheJournalShowsDoneAndOneUndoTakesBackTheWholeJob() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let original = sandbox.membership()
        let journal = path("job.jsonl")
        let half = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e", Self.job(first: 1330)],
                                                environment: environment)
        #expect(half.status == 0, "\(half.stderr)")
        #expect(Self.report(half.stdout) == ["report", "30", "0", "0", ""], "\(half.stdout)")
        let deletes = sandbox.calls(UndoCommandTests.delete) + sandbox.calls("batch")

        let whole = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--resume", journal, "-e", Self.job()],
                                                 environment: environment)
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
        #expect(Self.report(whole.stdout) == ["report", "30", "0", "30", ""], "\(whole.stdout)")
        #expect(whole.stderr.contains("resumed from \(journal): 30 write(s) it shows done were not sent again"), "\(whole.stderr)")
        #expect(sandbox.calls(UndoCommandTests.delete) + sandbox.calls("batch") == deletes + 1, "the other 30 in one batch")
        for lead in 0..<60 { #expect(!sandbox.members(Int64(2300 + lead)).contains(506)) }
        #expect(try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").count == 120, "both runs in one journal")

        let again = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--resume", journal, "-e", Self.job()],
                                                 environment: environment)
        #expect(Self.report(again.stdout) == ["report", "0", "0", "60", ""], "\(again.stdout)\(again.stderr)")

        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stdout.contains("undo: 60 undone, 0 already undone, 0 skipped, 0 failed, 0 cannot be undone"), "\(undo.stdout)")
        #expect(sandbox.membership() == original)
    }

    @Test func resumeRefusesToJournalElsewhereAndStartsAfreshWithoutAJournal() async throws {
        let other = try await Binary.b24luaAsync(["--sandbox", "--resume", path("a.jsonl"), "--journal", path("b.jsonl"), "-e", "print(1)"],
                                                 environment: environment)
        #expect(other.status == 2, "\(other.stderr)")
        #expect(other.stderr.contains("--journal"), "\(other.stderr)")
        let fresh = try await Binary.b24luaAsync(["--sandbox", "--resume", path("new.jsonl"), "-e", Self.job(first: 1350)],
                                                 environment: environment)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(Self.report(fresh.stdout) == ["report", "10", "0", "0", ""], "\(fresh.stdout)")
        #expect(FileManager.default.fileExists(atPath: path("new.jsonl")))
    }

    /// Ctrl-C in a bulk job on a terminal: on a new line, the summary and the exact undo command
    /// (the webhook file, never the URL); no frame of the b24 module. Then --resume finishes the
    /// job, and undo restores the portal exactly.
    @Test func ctrlCInABulkJobPrintsASummaryAndTheUndoCommand() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let original = sandbox.membership()
        let hook = try hookFile(sandbox)
        let journal = path("job.jsonl")
        let tty = try PseudoTerminal([try PseudoTerminal.binary(), "--webhook-file", hook, "--plan", "5/1", "--journal", journal,
                                      "-e", Self.job(concurrency: 1)],
                                     environment: environment.merging(["TERM": "xterm"]) { $1 })
        try await tty.expect("each [")
        try await tty.expect("/60")
        tty.send("\u{03}")
        let seen = try await tty.expect("to finish the job instead")
        #expect(await tty.waitForExit() == 130)
        let text = tty.transcript
        #expect(seen.contains("\nb24lua: interrupted!"), "on a line of its own: \(text)")
        #expect(text.range(of: #"b24:\d+:"#, options: .regularExpression) == nil, "no frame of the module: \(text)")
        #expect(!text.contains("[C]:"), "\(text)")
        #expect(text.contains("b24lua: stopped: "), "\(text)")
        #expect(text.contains("b24lua: to take this run back: b24lua undo \(journal) --webhook-file \(hook)"), "\(text)")
        #expect(!text.contains("sandbox1admin"), "\(text)")

        let resumed = try await Binary.b24luaAsync(["--webhook-file", hook, "--plan", "unlimited", "--resume", journal,
                                                    "-e", Self.job()], environment: environment)
        let r = try #require(Self.report(resumed.stdout), "\(resumed.stdout)\(resumed.stderr)")
        let ok = Int(r[1]) ?? -1, failed = Int(r[2]) ?? -1, already = Int(r[3]) ?? -1
        #expect(already > 0 && ok + failed + already == 60, "\(r)")
        // Only a write whose outcome the stop left unknown may be sent again and find it done.
        #expect(r[4].split(separator: ",").allSatisfy { $0 == "WRONG_REQUEST" }, "\(r)")
        for lead in 0..<60 { #expect(!sandbox.members(Int64(2300 + lead)).contains(506)) }

        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook-file", hook, "--plan", "unlimited"], environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(sandbox.membership() == original)
    }

    /// --timeout after some writes: the same summary; the sandbox's own option is printed.
    @Test func aTimeoutPrintsTheSummaryWithSafePortalOptions() async throws {
        let journal = path("t.jsonl")
        let chunk = "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503, chat = 1763} while true do end"
        let r = try await Binary.b24luaAsync(["--sandbox", "--timeout", "1", "--journal", journal, "-e", chunk], environment: environment)
        #expect(r.status == 124, "\(r.stderr)")
        #expect(r.stderr.contains("b24lua: stopped: 1 write(s) done, 0 failed, 0 outcome unknown"), "\(r.stderr)")
        #expect(r.stderr.contains("b24lua: to take this run back: b24lua undo \(journal) --sandbox\n"), "\(r.stderr)")

        // A secret-bearing flag is never echoed: a placeholder stands for it.
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let again = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--timeout", "1", "--journal", journal, "-e", chunk],
                                                 environment: environment)
        #expect(again.status == 124, "\(again.stderr)")
        let runs = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONValue.parse(String($0))["run"]?.stringValue
        }
        #expect(again.stderr.contains("to take this run back: b24lua undo \(journal) --run \(runs.last!) [portal options]"), "\(again.stderr)")
        #expect(!again.stderr.contains("sandbox1admin"))
    }
}
