import B24
import Foundation
import Testing

/// `b24lua … | head` ends quietly (README "Exit statuses"): killed by SIGPIPE as lua(1) and
/// cat(1) are, never with a message, a trap or a run that goes on into the void. And portal
/// options may come before a subcommand.
@Suite(.serialized) struct PipeAndRoutingTests {
    struct Ended {
        var reason: Process.TerminationReason
        var status: Int32
        var stderr: String

        init(_ ending: ChildStatus, stderr: String) {
            reason = ending.exited ? .exit : .uncaughtSignal
            status = ending.exitStatus ?? ending.signal ?? -1
            self.stderr = stderr
        }
    }

    /// Starts b24lua as a shell would (default signal dispositions: this test process may have
    /// SIGPIPE ignored by SwiftNIO, and an ignored signal stays ignored across exec), input
    /// /dev/null, output `stdout`, standard error a pipe read to its end.
    static func start(_ arguments: [String], stdout: Int32) throws -> (ChildReaper, DrainedOutput) {
        let err = try Spawn.pipe()
        let pid = try Spawn.start(Binary.b24lua, arguments, environment: [:], directory: nil) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
            posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        }
        close(err.write)
        return (ChildReaper(pid: pid), DrainedOutput(fd: err.read, name: "stderr \(pid)"))
    }

    /// Runs b24lua with standard output a pipe that nobody reads: the read end is closed before
    /// the program starts (the pipe is close-on-exec, so the child cannot hold it either).
    static func runIntoClosedPipe(_ arguments: [String]) async throws -> Ended {
        let fds = Self.closeOnExecPipe()
        close(fds[0])
        let (reaper, errors) = try start(arguments, stdout: fds[1])
        close(fds[1])
        let (status, killed) = await reaper.ending(within: 60, signal: SIGTERM)
        if killed { Issue.record("\(arguments) wrote into a closed pipe and did not end") }
        return Ended(status, stderr: await errors.text(within: 5))
    }

    static func closeOnExecPipe() -> [Int32] {
        guard let fds = try? Spawn.pipe() else {
            Issue.record("pipe2 failed")
            return [-1, -1]
        }
        return [fds.read, fds.write]
    }

    static func expectQuietSIGPIPE(_ e: Ended, _ what: String) {
        #expect(e.reason == .uncaughtSignal && e.status == SIGPIPE, "\(what): \(e.reason) \(e.status) \(e.stderr)")
        #expect(e.stderr.isEmpty, "\(what): \(e.stderr)")
    }

    static let printForever = "local i = 0 while true do i = i + 1 print(i) end"

    @Test func aScriptPrintingIntoAClosedPipeEndsBySIGPIPE() async throws {
        for args in [["-e", Self.printForever], ["--sandbox", "-e", Self.printForever], ["-e", "while true do io.write('x') end"],
                     ["snippets", "show", "remove_user"], ["doc"]] {
            Self.expectQuietSIGPIPE(try await Self.runIntoClosedPipe(args), "\(args)")
        }
    }

    /// Against a portal over HTTP, where SwiftNIO has set SIGPIPE to be ignored once the first
    /// request opened a socket: the reader reads the first line, goes away, and the run still
    /// ends by SIGPIPE instead of printing into the void for ever.
    @Test func overHTTPTooWhereNIOIgnoresSIGPIPE() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let script = "print(b24.call('user.current').ID) io.stdout:flush() " + Self.printForever
        let e = try await Self.runReadingOneLine(["--webhook", sandbox.webhookURL, "-e", script])
        Self.expectQuietSIGPIPE(e, "--webhook")
        #expect(sandbox.calls("user.current") == 1)
    }

    /// Like `head -1`: reads the first line of b24lua's output (on a thread of its own), then
    /// closes the pipe.
    static func runReadingOneLine(_ arguments: [String]) async throws -> Ended {
        let out = try Spawn.pipe()
        let (reaper, errors) = try start(arguments, stdout: out.write)
        close(out.write)
        let first = Latch<String>()
        let reader = Thread {
            var line = [UInt8]()
            var byte: UInt8 = 0
            while line.last != 0x0A, read(out.read, &byte, 1) == 1 { line.append(byte) }
            close(out.read)
            first.set(String(decoding: line, as: UTF8.self))
        }
        reader.start()
        let line = await first.value(within: 60)
        #expect(line?.hasPrefix("1\n") == true, "\(line ?? "no line")")
        let (status, killed) = await reaper.ending(within: 60, signal: SIGTERM)
        if killed { Issue.record("\(arguments) went on after its reader left") }
        return Ended(status, stderr: await errors.text(within: 5))
    }

    /// `url=$(b24lua sandbox serve | head -1)` must leave a running server: serve is not
    /// watched. Its first line goes into the closed pipe; it keeps serving until stopped.
    @Test func aSandboxServerOutlivesTheReaderOfItsFirstLine() async throws {
        let fds = Self.closeOnExecPipe()
        close(fds[0])
        let (reaper, errors) = try Self.start(["sandbox", "serve", "--port", "0"], stdout: fds[1])
        close(fds[1])
        // stderr's banner is written after the first stdout line: once it is there, serve has
        // written into the closed pipe and is still running.
        let deadline = Date().addingTimeInterval(30)
        while !errors.textSoFar.contains("Ctrl-C stops"), reaper.ending.current == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(reaper.ending.current == nil, "\(errors.textSoFar)")
        kill(reaper.pid, SIGINT)
        let (status, _) = await reaper.ending(within: 30)
        #expect(status.exitStatus == 0, "\(errors.textSoFar)")
    }

    // MARK: Portal options before a subcommand

    @Test func portalOptionsBeforeUndo() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let dir = try Binary.temporaryDirectory()
        let journal = dir.appendingPathComponent("run.jsonl").path
        let run = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, "-e",
                                                "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503}"])
        #expect(run.status == 0, "\(run.stderr)")
        let dry = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--dry-run", "undo", journal])
        #expect(dry.status == 0 && dry.stdout.contains("would undo 1/1"), "\(dry.stdout) \(dry.stderr)")
        let hookFile = dir.appendingPathComponent("hook").path
        #expect(FileManager.default.createFile(atPath: hookFile, contents: Data(sandbox.webhookURL.utf8),
                                               attributes: [.posixPermissions: 0o600]))
        let undo = try await Binary.b24luaAsync(["--webhook-file", hookFile, "undo", journal])
        #expect(undo.status == 0 && undo.stdout.contains("undo 1/1: imopenlines.crm.chat.user.add lead 1205 user 503 chat 1763 … ok"),
                "\(undo.stdout) \(undo.stderr)")
        #expect(sandbox.portal.members(ofChat: 1763)?.contains(503) == true)
    }

    @Test func portalOptionsBeforeSnippetsRunAndRepl() async throws {
        let run = try await Binary.b24luaAsync(["--sandbox", "--dry-run", "snippets", "run", "remove_user", "503", "lead"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("write(s) planned"), "\(run.stderr)")
        let repl = try await Binary.b24luaAsync(["--sandbox", "repl"], stdin: "print(b24.portal, b24.dry_run)")
        #expect(repl.status == 0 && repl.stdout.contains("false"), "\(repl.stdout) \(repl.stderr)")
    }

    @Test(arguments: [
        (["--sandbox", "snippets", "list"], "snippets run"),
        (["--sandbox", "check", "x.lua"], "takes no portal options"),
        (["--sandbox", "doc"], "takes no portal options"),
        (["--plan", "standard", "sandbox", "serve"], "sandbox serve --help"),
    ])
    func elsewhereAHint(_ arguments: [String], _ hint: String) async throws {
        let r = try await Binary.b24luaAsync(arguments, timeout: 30)
        #expect(r.status == 2 && r.stderr.contains(hint), "\(arguments): \(r.stderr)")
    }

    @Test func aScriptCalledLikeASubcommandRunsByItsPath() async throws {
        let dir = try Binary.temporaryDirectory()
        try "print('the script')".write(to: dir.appendingPathComponent("undo"), atomically: true, encoding: .utf8)
        let r = try await Binary.b24luaAsync(["--sandbox", "./undo"], directory: dir)
        #expect(r.status == 0 && r.stdout == "the script\n", "\(r.stderr)")
    }
}
