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

        init(_ arguments: [String] = [], home: URL? = nil, stateHome: Bool = true) async throws {
            let home = try home ?? Self.temporaryHome()
            self.home = home
            var environment = ["HOME": home.path, "TERM": "xterm", "PATH": "/usr/bin:/bin"]
            if stateHome { environment["XDG_STATE_HOME"] = home.appendingPathComponent("state").path }
            terminal = try PseudoTerminal([try PseudoTerminal.binary(), "repl"] + arguments, environment: environment)
            try await awaitPrompt()
        }

        /// The output up to `prompt`, once libedit is reading keys again.
        @discardableResult
        func awaitPrompt(_ prompt: String = "b24> ") async throws -> String {
            let seen = try await terminal.expect(prompt)
            try await terminal.awaitLineEditing()
            return seen
        }

        static func temporaryHome() throws -> URL { try Binary.temporaryDirectory() }

        /// Types `line` and Enter; returns the output up to the next primary prompt.
        @discardableResult
        func enter(_ line: String, until prompt: String = "b24> ") async throws -> String {
            terminal.send(line + "\r")
            return try await awaitPrompt(prompt)
        }
    }

    @Test func anExpressionPrintsItsValueAndSetsUnderscore() async throws {
        let session = try await Session()
        #expect(try await session.enter("1 + 2").hasSuffix("1 + 2\n3\nb24> "))
        #expect(try await session.enter("_ * 10").contains("\n30\n"))
        #expect(try await session.enter("'a', nil, 2.5").contains("\n\"a\"\tnil\t2.5\n"))
    }

    @Test func aMultiLineFunctionDefinition() async throws {
        let session = try await Session()
        try await session.enter("function add(a, b)", until: "b24>> ")
        try await session.enter("  return a + b", until: "b24>> ")
        let end = try await session.enter("end")
        #expect(!end.contains("error"))
        #expect(try await session.enter("add(2, 40)").contains("\n42\n"))
    }

    @Test func aTableIsPrettyPrinted() async throws {
        let session = try await Session()
        let out = try await session.enter(#"t = {3, 2, 1, name = "x", nested = {ok = true}}; t.self = t; return t"#)
        #expect(out.contains(#"{3, 2, 1, name = "x", nested = {ok = true}, self = <cycle>}"#))
    }

    @Test func anErrorObjectIsPrintedInItsOneLineForm() async throws {
        let session = try await Session()
        try await session.enter("""
            E = {__name = "b24.Error", __tostring = function(e) return "b24: " .. e.code .. " (403) imopenlines.crm.chat.user.delete: denied" end}
            """)
        let raised = try await session.enter(#"error(setmetatable({code = "ACCESS_DENIED"}, E))"#)
        #expect(raised.contains("\nb24: ACCESS_DENIED (403) imopenlines.crm.chat.user.delete: denied\n"))
        #expect(!raised.contains("stack traceback"))
        let returned = try await session.enter(#"nil, setmetatable({code = "WRONG_REQUEST"}, E)"#)
        #expect(returned.contains("\nnil\tb24: WRONG_REQUEST (403) imopenlines.crm.chat.user.delete: denied\n"))
        // A string error keeps lua.c's message and traceback; the session goes on.
        #expect(try await session.enter("error('boom')").contains("stdin:1: boom"))
        #expect(try await session.enter("1").contains("\n1\n"))
    }

    @Test func tabCompletesB24FunctionsAndArgumentKeys() async throws {
        let session = try await Session(["-e", Self.fakeB24])
        session.terminal.send("b24.chat_u\t")
        try await session.terminal.expect("b24.chat_user_")
        // A function that takes one table of arguments (it has `_arguments`) opens with "{".
        session.terminal.send("d\t")
        try await session.terminal.expect("elete{")
        session.terminal.send("us\t")
        try await session.terminal.expect("er = ")
        let out = try await session.enter("503}")
        #expect(out.contains("\n\"deleted 503\"\n"))
    }

    /// The real module: `b24.chat_get` opens with "{", `b24.call` with "(", and the internal
    /// `_` tables are offered only once an "_" is typed.
    @Test func tabOpensTableCallsAndHidesInternals() async throws {
        let session = try await Session()
        session.terminal.send("b24.chat_g\t")
        try await session.terminal.expect("b24.chat_get{")
        session.terminal.send("entity_t\t")
        try await session.terminal.expect("entity_type = ")
        session.terminal.send("\u{15}")   // Ctrl-U: clear the line
        try await session.terminal.awaitLineEditing()
        session.terminal.send("b24.cal\t")
        try await session.terminal.expect("b24.call(")
        session.terminal.send("\u{15}")
        try await session.terminal.awaitLineEditing()
        // Only one field does not start with "_": it completes alone.
        try await session.enter("t = {_doc = 1, _arguments = 2, visible = 3}")
        session.terminal.send("t.\t")
        try await session.terminal.expect("t.visible")
        session.terminal.send("\u{15}")
        try await session.terminal.awaitLineEditing()
        session.terminal.send("b24.try._\t")
        try await session.terminal.expect("b24.try._arguments.")
    }

    /// After a failed chunk `_` holds the error: the object itself for a b24.Error (so
    /// `help(_)` explains its code), the message for a string error.
    @Test func underscoreHoldsTheLastErrorAndHelpExplainsIt() async throws {
        let session = try await Session(["--sandbox"])
        let raised = try await session.enter("b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 504}")
        #expect(raised.contains("b24: WRONG_REQUEST (400)"), "\(raised)")
        #expect(try await session.enter("_.code, _.kind, b24.is_error(_)").contains("\n\"WRONG_REQUEST\"\t\"state\"\ttrue\n"))
        let help = try await session.enter("help(_)")
        #expect(help.contains("code       WRONG_REQUEST"), "\(help)")
        try await session.enter("error('boom')")
        #expect(try await session.enter("_").contains("\n\"stdin:1: boom\"\n"))
    }

    @Test func historyIsKeptAcrossSessions() async throws {
        let first = try await Session()
        try await first.enter("function twice(n)", until: "b24>> ")
        try await first.enter("  return 2 * n", until: "b24>> ")
        try await first.enter("end")
        try await first.enter("x_from_first = 41")
        first.terminal.send("\u{04}")
        #expect(await first.terminal.waitForExit() == 0)

        let file = first.home.appendingPathComponent("state/b24lua/history")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // History [function, assignment]: Ctrl-P twice recalls the function as one chunk; once
        // run it is the newest entry, so Ctrl-P twice again reaches the assignment.
        let second = try await Session(home: first.home)
        second.terminal.send("\u{10}\u{10}\r")
        try await second.awaitPrompt()
        second.terminal.send("\u{10}\u{10}\r")
        try await second.awaitPrompt()
        #expect(try await second.enter("twice(x_from_first)").contains("\n82\n"))
    }

    @Test func withoutXDGStateHomeHistoryGoesUnderHome() async throws {
        let session = try await Session(stateHome: false)
        try await session.enter("answer = 42")
        session.terminal.send("\u{04}")
        #expect(await session.terminal.waitForExit() == 0)
        let file = session.home.appendingPathComponent(".local/state/b24lua/history")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("answer"))
    }

    @Test func ctrlCInterruptsARunningChunkAndTheSessionGoesOn() async throws {
        let session = try await Session()
        session.terminal.send("while true do end\r")
        _ = await session.terminal.drain(for: 0.5)
        session.terminal.send("\u{03}")
        let out = try await session.awaitPrompt()
        #expect(out.contains("interrupted!"))
        #expect(try await session.enter("1 + 1").contains("\n2\n"))
        // Interrupted twice in a row: the hook is re-armed every time.
        session.terminal.send("for i = 1, math.huge do end\r")
        _ = await session.terminal.drain(for: 0.3)
        session.terminal.send("\u{03}")
        #expect(try await session.terminal.expect("b24> ").contains("interrupted!"))
    }

    /// A call waiting for the portal is cut off by Ctrl-C; the calls after it run on a fresh
    /// worker task while the abandoned one finishes on its own thread (docs/performance.md).
    @Test func ctrlCInterruptsAWaitingCallAndTheNextCallsAnswer() async throws {
        let dump = try await Binary.b24luaAsync(["sandbox", "dump"])
        var text = dump.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        text.removeLast()  // the closing brace: append "limits"
        text += ", \"limits\": {\"latency_ms\": 1500}}"
        let fixture = try Binary.temporaryDirectory().appendingPathComponent("slow.json")
        try text.write(to: fixture, atomically: true, encoding: .utf8)
        let session = try await Session(["--sandbox=\(fixture.path)"])
        session.terminal.send("b24.chat_last_id{entity_type = 'lead', entity = 1205}\r")
        _ = await session.terminal.drain(for: 0.4)
        session.terminal.send("\u{03}")
        #expect(try await session.awaitPrompt().contains("interrupted!"))
        // Twice more, one after the other: each answers, on the worker that replaced the first.
        #expect(try await session.enter("b24.chat_last_id{entity_type = 'lead', entity = 1205}").contains("\n1763\n"))
        #expect(try await session.enter("b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 503}")
            .contains("\n1763\n"))
        // Interrupted again, then a call that finds the member gone.
        session.terminal.send("b24.chat_last_id{entity_type = 'lead', entity = 1205}\r")
        _ = await session.terminal.drain(for: 0.4)
        session.terminal.send("\u{03}")
        #expect(try await session.awaitPrompt().contains("interrupted!"))
        let gone = try await session.enter("select(2, pcall(b24.chat_user_delete, {entity_type = 'lead', entity = 1205, user = 503})).code")
        #expect(gone.contains("\"CRM_CHAT_USER_NOT_ACTIVE\"") || gone.contains("\"WRONG_REQUEST\""), "\(gone)")
    }

    @Test func ctrlCAtThePromptClearsTheLineOrTheChunk() async throws {
        let session = try await Session()
        session.terminal.send("print('not run')")
        try await session.terminal.expect("not run')")
        session.terminal.send("\u{03}")
        try await session.awaitPrompt("^C\nb24> ")
        try await session.enter("for i = 1, 3 do", until: "b24>> ")
        session.terminal.send("\u{03}")
        try await session.awaitPrompt("^C\nb24> ")
        let out = try await session.enter("'after'")
        #expect(out.contains("\n\"after\"\n"))
        #expect(!session.terminal.transcript.contains("\nnot run\n"))
    }

    @Test func helpShowsTheDocText() async throws {
        let session = try await Session(["-e", Self.fakeB24])
        #expect(try await session.enter("help(b24.chat_user_delete)").contains("\n" + "b24.chat_user_delete{entity_type=, entity=, user=, chat=}: removes a user\n"))
        #expect(try await session.enter(":help chat_user_delete").contains(": removes a user\n"))
        #expect(try await session.enter(":help chat_nothing").contains("no help for chat_nothing"))
        #expect(try await session.enter("help(print)").contains("no help for this function"))
    }

    /// The real module's help texts, which load on the first help() (docs/performance.md).
    @Test func helpReadsTheEmbeddedTextsOnFirstUse() async throws {
        let session = try await Session()
        #expect(try await session.enter("help(b24.chat_get)").contains("\nList the Open Channel chats"))
        #expect(try await session.enter(":help INVALID_ARGUMENT").contains("code       INVALID_ARGUMENT"))
        #expect(try await session.enter(":help chat_nothing").contains("no help for chat_nothing"))
    }

    @Test func theBannerNamesTheTarget() async throws {
        let plain = try await Session()
        #expect(plain.terminal.transcript.contains("b24lua 0.1.0"))
        #expect(plain.terminal.transcript.contains("no portal"))
        let sandbox = try await Session(["-e", "b24 = {sandbox = {}, dry_run = true, portal = 'sandbox.example'}"])
        #expect(sandbox.terminal.transcript.contains("sandbox (dry-run)"))
    }

    @Test func quitAndCtrlDLeave() async throws {
        let quitting = try await Session()
        quitting.terminal.send(":quit\r")
        #expect(await quitting.terminal.waitForExit() == 0)
        let ending = try await Session()
        ending.terminal.send("\u{04}")
        #expect(await ending.terminal.waitForExit() == 0)
    }

    @Test func withoutATerminalStandardInputRunsAsOneChunk() async throws {
        // Only HOME in the environment, as before: no portal settings leak in.
        let r = try await Binary.runAsync("/usr/bin/env", ["-i", "HOME=\(try Session.temporaryHome().path)",
                                                           try PseudoTerminal.binary(), "repl"],
                                          stdin: "local x = 20\nprint(x + 22)\n")
        #expect(r.stdout == "42\n")
        #expect(r.status == 0)
    }
}
