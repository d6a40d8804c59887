import B24
import B24Sandbox
import Foundation
import Testing

/// The scripts of `examples/`, run by the built binary as an administrator would: on the
/// in-process sandbox (`--sandbox`), and against a sandbox served over loopback (`--webhook`)
/// whose state the test then reads.
@Suite(.serialized) struct ExampleTests {
    let dir: URL
    let environment: [String: String]

    init() throws {
        dir = try Binary.temporaryDirectory()
        environment = ["XDG_CONFIG_HOME": dir.path]
    }

    static func example(_ name: String) -> String {
        Binary.packageRoot.appendingPathComponent("examples/\(name)").path
    }

    func sandboxRun(_ name: String, _ flags: [String] = [], _ args: [String]) async throws -> ProcessResult {
        try await Binary.b24luaAsync(["--sandbox", "--plan", "unlimited"] + flags + [Self.example(name)] + args,
                          environment: environment, timeout: 120)
    }

    func webhookRun(_ sandbox: LiveSandbox, _ name: String, _ flags: [String] = [], _ args: [String]) async throws
        -> ProcessResult
    {
        try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--plan", "unlimited"] + flags
                                       + [Self.example(name)] + args, environment: environment)
    }

    /// Lead 1205 (chat 1763), the 60 bulk leads (2300–2359) and deal 2001's active chat 1801.
    static let activeChatsOf503: [Int64] = [1763, 1801] + (2300...2359).map { Int64($0) }

    @Test func everyExampleCompilesAndSaysHowToRunIt() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Binary.packageRoot.appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".lua") }
        #expect(names.count >= 4)
        for name in names {
            let check = try await Binary.b24luaAsync(["check", Self.example(name)])
            #expect(check.status == 0, "\(name): \(check.stderr)")
            let text = try String(contentsOfFile: Self.example(name), encoding: .utf8)
            #expect(text.hasPrefix("-- \(name) — "), "\(name) starts with a header comment naming it")
            #expect(text.contains("b24lua --sandbox examples/\(name)"), "\(name) says how to run it")
        }
    }

    // MARK: remove-departing-user.lua

    @Test func departingUserOnTheSandbox() async throws {
        let r = try await sandboxRun("remove-departing-user.lua", ["--yes"], ["503"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "user 503 is in 62 chat(s) on sandbox.example")
        #expect(lines.contains("  lead 1205 chat 1763 (livechat)"))
        #expect(lines.contains("  deal 2001 chat 1801 (livechat)"))
        #expect(!lines.contains("  deal 2001 chat 1800 (livechat)"), "closed chats only with --closed")
        #expect(lines.last == "removed user 503 from 62 of 62 chat(s); 0 failed")
    }

    @Test func departingUserOverTheWire() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "remove-departing-user.lua", ["--yes"], ["503"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("user 503 is in 62 chat(s) on 127.0.0.1"))
        for chat in Self.activeChatsOf503 {
            #expect(!sandbox.members(chat).contains(503), "chat \(chat)")
        }
        #expect(sandbox.members(1763) == [1, 506])
        #expect(sandbox.members(1800) == [1, 503], "the closed chat is left alone")
        #expect(sandbox.members(1900) == [1, 506])
        #expect(!r.stdout.contains(SandboxDataSet.defaultWebhookCode) && !r.stderr.contains(SandboxDataSet.defaultWebhookCode))
    }

    @Test func departingUserWithClosedChats() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "remove-departing-user.lua", ["--yes"], ["503", "--closed"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("removed user 503 from 63 of 63 chat(s); 0 failed"))
        #expect(sandbox.members(1800) == [1])
    }

    @Test func departingUserDryRunChangesNothing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.membership()
        let r = try await webhookRun(sandbox, "remove-departing-user.lua", ["--dry-run"], ["503"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("user 503 is in 62 chat(s) on 127.0.0.1 (dry run)"))
        #expect(r.stdout.contains("would remove user 503 from 62 of 62 chat(s); 0 failed"))
        #expect(sandbox.membership() == before)
    }

    /// Run from cron (no terminal, no --yes): the question cannot be asked, nothing changes,
    /// and the run ends with its own status (4), not a success that hides the job did nothing.
    @Test func departingUserNeedsConfirmation() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.membership()
        let r = try await webhookRun(sandbox, "remove-departing-user.lua", [], ["503"])
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stdout.contains("nothing changed (not confirmed; pass --yes to run unattended)"))
        #expect(r.stderr.contains("b24.confirm could not ask \"Remove user 503 from these 62 chat(s)?\": no terminal and no --yes"),
                "\(r.stderr)")
        #expect(r.stderr.contains("exit status 4"), "\(r.stderr)")
        #expect(sandbox.membership() == before)
    }

    /// The journal of a real run, undone by `b24lua undo`, gives the chats their members back.
    @Test func departingUserJournalUndone() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.membership()
        let journal = dir.appendingPathComponent("leave.jsonl").path
        let run = try await webhookRun(sandbox, "remove-departing-user.lua", ["--yes", "--journal", journal], ["503"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(sandbox.membership() != before)

        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL, "--plan", "unlimited"],
                                                  environment: environment)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stdout.contains("undo: 62 undone, 0 already undone, 0 skipped, 0 failed, 0 cannot be undone"))
        #expect(sandbox.membership() == before)
    }

    @Test func departingUserBadArguments() async throws {
        let r = try await sandboxRun("remove-departing-user.lua", [], ["anna"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("usage: remove-departing-user.lua USER_ID"))
    }

    // MARK: hand-over-deal.lua

    @Test func handOverOnTheSandbox() async throws {
        let r = try await sandboxRun("hand-over-deal.lua", [], ["2001", "503", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            deal 2001: 1 chat(s) handed over from 503 to 1

            """)
    }

    @Test func handOverOverTheWire() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "hand-over-deal.lua", [], ["2001", "503", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(sandbox.members(1801) == [1, 506])
        #expect(sandbox.members(1800) == [1, 503], "closed chats are not handed over")

        // Again: 1 is already in, 503 already gone (WRONG_REQUEST on both): done, nothing changes.
        let before = sandbox.membership()
        let again = try await webhookRun(sandbox, "hand-over-deal.lua", [], ["2001", "503", "1"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "deal 2001: 1 chat(s) handed over from 503 to 1\n")
        #expect(sandbox.membership() == before)
    }

    /// 504 may not see deal 2001: the add is refused, so 503 must stay.
    @Test func handOverKeepsTheOwnerWhenTheNewOneCannotJoin() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "hand-over-deal.lua", [], ["2001", "503", "504"])
        #expect(r.status == 1)
        // The add travels in a batch (replace_member runs on b24.each): the error has no HTTP status of its own.
        #expect(r.stdout.contains("deal 2001 chat 1801 (livechat): adding 504 failed, 503 stays: b24: ACCESS_DENIED imopenlines.crm.chat.user.add: "))
        #expect(r.stderr.contains("1 of 1 chat(s) of deal 2001 not handed over"))
        #expect(sandbox.members(1801) == [1, 503, 506])
    }

    // MARK: remove-bot-from-line.lua

    @Test func botOffTelegramOnTheSandbox() async throws {
        let r = try await sandboxRun("remove-bot-from-line.lua", [], ["506", "telegrambot"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
              removed from contact 3001 chat 1900
            removed 506 from 1 telegrambot chat(s); 0 failed

            """)
    }

    @Test func botOffTelegramOverTheWire() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "remove-bot-from-line.lua", [], ["506", "telegrambot"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(sandbox.members(1900) == [1])
        #expect(sandbox.members(1763) == [1, 503, 506], "livechat chats keep the bot")
        #expect(sandbox.members(2300) == [1, 503, 506])

        // Again: the bot is in no telegrambot chat any more, so no delete is even sent.
        let before = sandbox.membership()
        let journal = dir.appendingPathComponent("bot-again.jsonl").path
        let again = try await webhookRun(sandbox, "remove-bot-from-line.lua", ["--journal", journal], ["506", "telegrambot"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "removed 506 from 0 telegrambot chat(s); 0 failed\n")
        let written = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        #expect(!written.contains("imopenlines.crm.chat.user.delete"), "\(written)")
        #expect(sandbox.membership() == before)
    }

    @Test func botOffLiveChatOverTheWire() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let r = try await webhookRun(sandbox, "remove-bot-from-line.lua", [], ["506", "livechat"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("removed 506 from 62 livechat chat(s)"))
        #expect(sandbox.members(1900) == [1, 506], "the telegram chat keeps the bot")
        for chat in [1763, 1801] + Array(2300...2359) {
            #expect(!sandbox.members(Int64(chat)).contains(506), "chat \(chat)")
        }
    }

    // MARK: who-is-where.lua

    @Test func whoIsWhereOnTheSandbox() async throws {
        let r = try await sandboxRun("who-is-where.lua", [], ["503"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "user 503 is in 63 chat(s) on sandbox.example")
        #expect(lines.count == 64)
        #expect(lines.contains { $0.hasPrefix("  lead    1205   chat 1763") && $0.hasSuffix("active Website inquiry") })
        #expect(lines.contains { $0.hasPrefix("  deal    2001   chat 1800") && $0.contains("closed") })
        #expect(lines.contains { $0.hasPrefix("  deal    2001   chat 1801") && $0.contains("active") })
    }

    @Test func whoIsWhereIsReadOnly() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.membership()
        let r = try await webhookRun(sandbox, "who-is-where.lua", [], ["506"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("user 506 is in 63 chat(s) on 127.0.0.1"))
        #expect(r.stdout.contains("  contact 3001   chat 1900   telegrambot  active Ivan Sidorov"))
        #expect(sandbox.membership() == before)
    }
}
