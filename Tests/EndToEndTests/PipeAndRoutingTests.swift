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
    }

    /// Runs b24lua with standard output a pipe that nobody reads: the read end is closed before
    /// the program starts (the pipe is close-on-exec, so the child cannot hold it either).
    static func runIntoClosedPipe(_ arguments: [String]) throws -> Ended {
        let fds = Self.closeOnExecPipe()
        close(fds[0])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binary.b24lua)
        p.arguments = arguments
        let writeEnd = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        p.standardOutput = writeEnd
        let err = Pipe()
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try writeEnd.close()
        let collected = Collected()
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().async {
            collected.set(err.fileHandleForReading.readDataToEndOfFile(), isOut: false)  // EOF: the child is gone
            done.leave()
        }
        if done.wait(timeout: .now() + 60) == .timedOut {
            p.terminate()
            Issue.record("\(arguments) wrote into a closed pipe and did not end")
            done.wait()
        }
        p.waitUntilExit()
        return Ended(reason: p.terminationReason, status: p.terminationStatus, stderr: collected.err)
    }

    /// Waiting for a child off Swift's cooperative pool, so in-process servers of other tests
    /// keep their threads (as `Binary.b24luaAsync` does).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async { c.resume(with: Result { try body() }) }
        }
    }

    /// Close-on-exec from the start (pipe2): set afterwards, a child that another test spawns
    /// in between would inherit the read end and keep the pipe open.
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
            Self.expectQuietSIGPIPE(try await Self.offPool { try Self.runIntoClosedPipe(args) }, "\(args)")
        }
    }

    /// Against a portal over HTTP, where SwiftNIO has set SIGPIPE to be ignored once the first
    /// request opened a socket: the reader reads the first line, goes away, and the run still
    /// ends by SIGPIPE instead of printing into the void for ever.
    @Test func overHTTPTooWhereNIOIgnoresSIGPIPE() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let script = "print(b24.call('user.current').ID) io.stdout:flush() " + Self.printForever
        let url = sandbox.webhookURL
        let e = try await Self.offPool { try Self.runReadingOneLine(["--webhook", url, "-e", script]) }
        Self.expectQuietSIGPIPE(e, "--webhook")
        #expect(sandbox.calls("user.current") == 1)
    }

    /// Like `head -1`: reads the first line of b24lua's output, then closes the pipe.
    static func runReadingOneLine(_ arguments: [String]) throws -> Ended {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binary.b24lua)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var first = Data()
        while !first.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            first += chunk
        }
        #expect(String(decoding: first, as: UTF8.self).hasPrefix("1\n"))
        try out.fileHandleForReading.close()
        let collected = Collected()
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().async {
            collected.set(err.fileHandleForReading.readDataToEndOfFile(), isOut: false)
            done.leave()
        }
        if done.wait(timeout: .now() + 60) == .timedOut {
            p.terminate()
            Issue.record("\(arguments) went on after its reader left")
            done.wait()
        }
        p.waitUntilExit()
        return Ended(reason: p.terminationReason, status: p.terminationStatus, stderr: collected.err)
    }

    @Test func aSandboxServerOutlivesTheReaderOfItsFirstLine() async throws {
        try await Self.offPool { try Self.serveIntoClosedPipe() }
    }

    /// `url=$(b24lua sandbox serve | head -1)` must leave a running server: serve is not
    /// watched. Its first line goes into the closed pipe; it keeps serving until stopped.
    static func serveIntoClosedPipe() throws {
        let fds = Self.closeOnExecPipe()
        close(fds[0])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binary.b24lua)
        p.arguments = ["sandbox", "serve", "--port", "0"]
        let writeEnd = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        p.standardOutput = writeEnd
        let err = Pipe()
        p.standardError = err
        try p.run()
        try writeEnd.close()
        // stderr's banner is written after the first stdout line: once it is there, serve has
        // written into the closed pipe and is still running.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Ctrl-C stops") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(p.isRunning, "\(String(decoding: seen, as: UTF8.self))")
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
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
