import Foundation
import Testing

/// The REPL driven through a real pseudo-terminal, as a person would use it.
@Suite(.serialized) struct REPLTests {
    /// A stand-in `b24` table until the real module is preloaded: the same shape (functions,
    /// `_arguments`, `_doc`), so these tests keep working when it lands.
    static let fakeB24 = """
        b24 = b24 or {}
        b24.chat_user_delete = function(t) return "deleted " .. tostring(t.user) end
        b24.chat_user_add = function() end
        b24._arguments = {chat_user_delete = {"entity_type", "entity", "user", "chat"}}
        b24._doc = {chat_user_delete = "b24.chat_user_delete{entity_type=, entity=, user=, chat=}: removes a user"}
        """

    /// A session with its own HOME and state directory.
    struct Session {
        let terminal: PseudoTerminal
        let home: URL

        init(_ arguments: [String] = [], home: URL? = nil, stateHome: Bool = true) throws {
            let home = try home ?? Self.temporaryHome()
            self.home = home
            var environment = ["HOME": home.path, "TERM": "xterm", "PATH": "/usr/bin:/bin"]
            if stateHome { environment["XDG_STATE_HOME"] = home.appendingPathComponent("state").path }
            terminal = try PseudoTerminal([try PseudoTerminal.binary(), "repl"] + arguments, environment: environment)
            try awaitPrompt()
        }

        /// The output up to `prompt`, once libedit is reading keys again.
        @discardableResult
        func awaitPrompt(_ prompt: String = "b24> ") throws -> String {
            let seen = try terminal.expect(prompt)
            try terminal.awaitLineEditing()
            return seen
        }

        static func temporaryHome() throws -> URL { try Binary.temporaryDirectory() }

        /// Types `line` and Enter; returns the output up to the next primary prompt.
        @discardableResult
        func enter(_ line: String, until prompt: String = "b24> ") throws -> String {
            terminal.send(line + "\r")
            return try awaitPrompt(prompt)
        }
    }

    @Test func anExpressionPrintsItsValueAndSetsUnderscore() throws {
        let session = try Session()
        #expect(try session.enter("1 + 2").hasSuffix("1 + 2\n3\nb24> "))
        #expect(try session.enter("_ * 10").contains("\n30\n"))
        #expect(try session.enter("'a', nil, 2.5").contains("\n\"a\"\tnil\t2.5\n"))
    }

    @Test func aMultiLineFunctionDefinition() throws {
        let session = try Session()
        try session.enter("function add(a, b)", until: "b24>> ")
        try session.enter("  return a + b", until: "b24>> ")
        let end = try session.enter("end")
        #expect(!end.contains("error"))
        #expect(try session.enter("add(2, 40)").contains("\n42\n"))
    }

    @Test func aTableIsPrettyPrinted() throws {
        let session = try Session()
        let out = try session.enter(#"t = {3, 2, 1, name = "x", nested = {ok = true}}; t.self = t; return t"#)
        #expect(out.contains(#"{3, 2, 1, name = "x", nested = {ok = true}, self = <cycle>}"#))
    }

    @Test func anErrorObjectIsPrintedInItsOneLineForm() throws {
        let session = try Session()
        try session.enter("""
            E = {__name = "b24.Error", __tostring = function(e) return "b24: " .. e.code .. " (403) imopenlines.crm.chat.user.delete: denied" end}
            """)
        let raised = try session.enter(#"error(setmetatable({code = "ACCESS_DENIED"}, E))"#)
        #expect(raised.contains("\nb24: ACCESS_DENIED (403) imopenlines.crm.chat.user.delete: denied\n"))
        #expect(!raised.contains("stack traceback"))
        let returned = try session.enter(#"nil, setmetatable({code = "WRONG_REQUEST"}, E)"#)
        #expect(returned.contains("\nnil\tb24: WRONG_REQUEST (403) imopenlines.crm.chat.user.delete: denied\n"))
        // A string error keeps lua.c's message and traceback; the session goes on.
        #expect(try session.enter("error('boom')").contains("stdin:1: boom"))
        #expect(try session.enter("1").contains("\n1\n"))
    }

    @Test func tabCompletesB24FunctionsAndArgumentKeys() throws {
        let session = try Session(["-e", Self.fakeB24])
        session.terminal.send("b24.chat_u\t")
        try session.terminal.expect("b24.chat_user_")
        session.terminal.send("d\t")
        try session.terminal.expect("elete(")
        session.terminal.send("{us\t")
        try session.terminal.expect("er = ")
        let out = try session.enter("503})")
        #expect(out.contains("\n\"deleted 503\"\n"))
    }

    @Test func historyIsKeptAcrossSessions() throws {
        let first = try Session()
        try first.enter("function twice(n)", until: "b24>> ")
        try first.enter("  return 2 * n", until: "b24>> ")
        try first.enter("end")
        try first.enter("x_from_first = 41")
        first.terminal.send("\u{04}")
        #expect(first.terminal.waitForExit() == 0)

        let file = first.home.appendingPathComponent("state/b24lua/history")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // History [function, assignment]: Ctrl-P twice recalls the function as one chunk; once
        // run it is the newest entry, so Ctrl-P twice again reaches the assignment.
        let second = try Session(home: first.home)
        second.terminal.send("\u{10}\u{10}\r")
        try second.awaitPrompt()
        second.terminal.send("\u{10}\u{10}\r")
        try second.awaitPrompt()
        #expect(try second.enter("twice(x_from_first)").contains("\n82\n"))
    }

    @Test func withoutXDGStateHomeHistoryGoesUnderHome() throws {
        let session = try Session(stateHome: false)
        try session.enter("answer = 42")
        session.terminal.send("\u{04}")
        #expect(session.terminal.waitForExit() == 0)
        let file = session.home.appendingPathComponent(".local/state/b24lua/history")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("answer"))
    }

    @Test func ctrlCInterruptsARunningChunkAndTheSessionGoesOn() throws {
        let session = try Session()
        session.terminal.send("while true do end\r")
        _ = session.terminal.drain(for: 0.5)
        session.terminal.send("\u{03}")
        let out = try session.awaitPrompt()
        #expect(out.contains("interrupted!"))
        #expect(try session.enter("1 + 1").contains("\n2\n"))
        // Interrupted twice in a row: the hook is re-armed every time.
        session.terminal.send("for i = 1, math.huge do end\r")
        _ = session.terminal.drain(for: 0.3)
        session.terminal.send("\u{03}")
        #expect(try session.terminal.expect("b24> ").contains("interrupted!"))
    }

    @Test func ctrlCAtThePromptClearsTheLineOrTheChunk() throws {
        let session = try Session()
        session.terminal.send("print('not run')")
        try session.terminal.expect("not run')")
        session.terminal.send("\u{03}")
        try session.awaitPrompt("^C\nb24> ")
        try session.enter("for i = 1, 3 do", until: "b24>> ")
        session.terminal.send("\u{03}")
        try session.awaitPrompt("^C\nb24> ")
        let out = try session.enter("'after'")
        #expect(out.contains("\n\"after\"\n"))
        #expect(!session.terminal.transcript.contains("\nnot run\n"))
    }

    @Test func helpShowsTheDocText() throws {
        let session = try Session(["-e", Self.fakeB24])
        #expect(try session.enter("help(b24.chat_user_delete)").contains("\n" + "b24.chat_user_delete{entity_type=, entity=, user=, chat=}: removes a user\n"))
        #expect(try session.enter(":help chat_user_delete").contains(": removes a user\n"))
        #expect(try session.enter(":help chat_nothing").contains("no help for chat_nothing"))
        #expect(try session.enter("help(print)").contains("no help for this function"))
    }

    @Test func theBannerNamesTheTarget() throws {
        let plain = try Session()
        #expect(plain.terminal.transcript.contains("b24lua 0.1.0"))
        #expect(plain.terminal.transcript.contains("no portal"))
        let sandbox = try Session(["-e", "b24 = {sandbox = {}, dry_run = true, portal = 'sandbox.example'}"])
        #expect(sandbox.terminal.transcript.contains("sandbox (dry-run)"))
    }

    @Test func quitAndCtrlDLeave() throws {
        let quitting = try Session()
        quitting.terminal.send(":quit\r")
        #expect(quitting.terminal.waitForExit() == 0)
        let ending = try Session()
        ending.terminal.send("\u{04}")
        #expect(ending.terminal.waitForExit() == 0)
    }

    @Test func withoutATerminalStandardInputRunsAsOneChunk() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try PseudoTerminal.binary())
        process.arguments = ["repl"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.environment = ["HOME": try Session.temporaryHome().path]
        try process.run()
        input.fileHandleForWriting.write("local x = 20\nprint(x + 22)\n".data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "42\n")
        #expect(process.terminationStatus == 0)
    }
}
