import B24
import Foundation
import Testing

/// `b24lua undo` as an ArgumentParser subcommand: its help, its usage errors (status 2, the
/// message on stderr, never a secret), and every portal option spelled as before, whether
/// given after `undo` or before it.
@Suite struct UndoCommandLineTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    func journal() throws -> String {
        let text = UndoCommandTests.intent(1, UndoCommandTests.delete, UndoCommandTests.params("lead", 1205, user: 503, chat: 1763),
                                          portal: "sandbox:sandbox.example")
            + "\n" + UndoCommandTests.outcome(1, UndoCommandTests.delete, ok: true, result: 1763) + "\n"
        let url = dir.appendingPathComponent("run.jsonl")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func helpListsTheOptionsAndExitsZero() async throws {
        for args in [["undo", "--help"], ["undo", "-h"], ["--sandbox", "undo", "--help"]] {
            let r = try await Binary.b24luaAsync(args, environment: environment)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("USAGE: b24lua undo"), "\(args): \(r.stdout)")
            for option in ["--force", "--dry-run", "--webhook <URL>", "--webhook-file <FILE>", "--journal <FILE>", "--plan <PLAN>",
                           "--sandbox"] {
                #expect(r.stdout.contains(option), "\(args): \(option) missing from \(r.stdout)")
            }
            #expect(!r.stdout.contains(PortalOptionsSpelling.fixture), "a hidden spelling shows: \(r.stdout)")
        }
    }

    enum PortalOptionsSpelling { static let fixture = "sandbox-fixture" }

    @Test(arguments: [
        (["undo", "--no-such-option", "j.jsonl"], "--no-such-option"),
        (["undo", "--force=yes", "j.jsonl"], "--force"),
        (["undo", "j.jsonl", "--webhook"], "--webhook"),
        (["undo", "j.jsonl", "--timeout", "-1"], "--timeout"),
        (["undo", "j.jsonl", "--timeout=nan"], "--timeout"),
        (["undo", "j.jsonl", "--max-memory=0"], "--max-memory"),
        (["undo", "j.jsonl", "--plan", "1/0"], "--plan"),
        (["undo", "--", "a.jsonl", "b.jsonl"], "one journal at a time"),
        (["--dry-run", "undo"], "which journal"),
        (["--plan", "standard", "undo", "a.jsonl", "b.jsonl", "c.jsonl"], "one journal at a time"),
    ])
    func badOptionsAreUsageErrors(_ arguments: [String], _ mention: String) async throws {
        let r = try await Binary.b24luaAsync(arguments, environment: environment, directory: dir)
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(mention), "\(arguments): \(r.stderr)")
        #expect(r.stderr.hasPrefix("b24lua"), "\(arguments): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"), "\(arguments): \(r.stderr)")
    }

    @Test func aValueGivenToAFlagIsNotEchoed() async throws {
        let r = try await Binary.b24luaAsync(["undo", "--dry-run=s3cr3tc0de", "j.jsonl"], environment: environment, directory: dir)
        #expect(r.status == 2)
        #expect(!r.stderr.contains("s3cr3tc0de") && !r.stdout.contains("s3cr3tc0de"), "\(r.stderr)")
    }

    /// Every portal option a script run takes is taken by undo too, in both places, with the
    /// same spellings (`--sandbox=FIXTURE`, `--name=value`, `-v`, repeated `--allow-read`).
    @Test func everyPortalOptionIsAcceptedAfterAndBeforeUndo() async throws {
        let j = try journal()
        let fixture = dir.appendingPathComponent("portal.json").path
        let dump = try await Binary.b24luaAsync(["sandbox", "dump"], environment: environment)
        try dump.stdout.write(toFile: fixture, atomically: true, encoding: .utf8)
        let options = ["--sandbox=\(fixture)", "--plan=unlimited", "--no-shared-limit", "--verbose", "--yes", "--quiet", "--safe",
                       "--allow-read", dir.path, "--allow-read=/tmp", "--allow-write", dir.path, "--timeout", "60",
                       "--max-memory=512", "--dry-run"]
        // (-v is lua's version flag before a subcommand, as for a script run: only after undo is it --verbose.)
        for args in [["undo", j] + options + ["-v"], options + ["undo", j], ["undo", "-v"] + options + [j]] {
            let r = try await Binary.b24luaAsync(args, environment: environment)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("would undo 1/1: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763"), "\(args): \(r.stdout)")
        }
    }

    @Test func theJournalMayComeFromStandardInputAndSandboxFixturesWork() async throws {
        let text = try String(contentsOfFile: try journal(), encoding: .utf8)
        let r = try await Binary.b24luaAsync(["undo", "-", "--sandbox"], stdin: text, environment: environment)
        // A fresh sandbox: 503 is still in 1763, so the re-add is "already undone".
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("undo: 0 undone, 1 already undone, 0 skipped, 0 failed, 0 cannot be undone"), "\(r.stdout)")
        let missing = try await Binary.b24luaAsync(["undo", "-", "--sandbox=/nonexistent/portal.json"], stdin: text,
                                                   environment: environment)
        #expect(missing.status == 2, "\(missing.stdout) \(missing.stderr)")
    }
}
