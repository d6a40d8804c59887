import LuaHost
import Testing

/// lua.c's reading algorithm, event by event, without a terminal or a compiler.
@Suite struct REPLInputTests {
    @Test func anExpressionIsTriedWithReturnFirst() {
        var input = REPLInput()
        #expect(input.line("1 + 1") == .compile("return 1 + 1;"))
        #expect(input.compiled(.compiled) == .run(history: "1 + 1"))
        #expect(input.prompt == .primary)
    }

    @Test func aStatementIsCompiledAsTypedWhenReturnFails() {
        var input = REPLInput()
        #expect(input.line("x = 1") == .compile("return x = 1;"))
        #expect(input.compiled(.failed) == .compile("x = 1"))
        #expect(input.compiled(.compiled) == .run(history: "x = 1"))
    }

    @Test func anUnfinishedChunkKeepsReadingWithTheContinuationPrompt() {
        var input = REPLInput()
        #expect(input.line("function f()") == .compile("return function f();"))
        #expect(input.compiled(.failed) == .compile("function f()"))
        #expect(input.compiled(.incomplete) == .read(.continuation))
        #expect(input.prompt == .continuation)
        #expect(input.pendingLines == ["function f()"])
        #expect(input.line("  return 42") == .compile("function f()\n  return 42"))
        #expect(input.compiled(.incomplete) == .read(.continuation))
        #expect(input.line("end") == .compile("function f()\n  return 42\nend"))
        #expect(input.compiled(.compiled) == .run(history: "function f()\n  return 42\nend"))
        #expect(input.prompt == .primary)
        #expect(input.pendingLines.isEmpty)
    }

    @Test func aContinuationLineIsNeverTriedAsAnExpression() {
        var input = REPLInput()
        _ = input.line("t = {")
        _ = input.compiled(.failed)
        _ = input.compiled(.incomplete)
        // lua.c adds "return" to the first line only.
        #expect(input.line("1, 2}") == .compile("t = {\n1, 2}"))
    }

    @Test func aSyntaxErrorIsReportedAndTheChunkDropped() {
        var input = REPLInput()
        _ = input.line("x = = 1")
        #expect(input.compiled(.failed) == .compile("x = = 1"))
        #expect(input.compiled(.failed) == .reportError(history: "x = = 1"))
        #expect(input.prompt == .primary)
        #expect(input.line("2") == .compile("return 2;"))
    }

    @Test func anErrorInALaterLineReportsTheWholeChunk() {
        var input = REPLInput()
        _ = input.line("if x then")
        _ = input.compiled(.failed)
        _ = input.compiled(.incomplete)
        _ = input.line("y = = 2")
        #expect(input.compiled(.failed) == .reportError(history: "if x then\ny = = 2"))
    }

    @Test func ctrlCDropsTheUnfinishedChunk() {
        var input = REPLInput()
        _ = input.line("for i = 1, 3 do")
        _ = input.compiled(.failed)
        _ = input.compiled(.incomplete)
        #expect(input.interrupt() == .read(.primary))
        #expect(input.prompt == .primary)
        #expect(input.pendingLines.isEmpty)
        #expect(input.line("1") == .compile("return 1;"))
    }

    @Test func endOfInputQuitsEvenInsideAChunk() {
        var input = REPLInput()
        #expect(input.endOfInput() == .quit)
        _ = input.line("do")
        _ = input.compiled(.failed)
        _ = input.compiled(.incomplete)
        #expect(input.endOfInput() == .quit)
    }

    @Test func blankLinesOnlyPromptAgain() {
        var input = REPLInput()
        #expect(input.line("") == .read(.primary))
        #expect(input.line("   \t") == .read(.primary))
    }

    @Test func colonLinesAreCommandsButLabelsAreLua() {
        var input = REPLInput()
        #expect(input.line(":help b24.chat_get") == .command(name: "help", argument: "b24.chat_get", history: ":help b24.chat_get"))
        #expect(input.line("  :quit  ") == .command(name: "quit", argument: "", history: ":quit"))
        #expect(input.line("::top::") == .compile("return ::top::;"))
    }

    @Test func aColonLineInsideAChunkIsLua() {
        var input = REPLInput()
        _ = input.line("local s = x")
        _ = input.compiled(.failed)
        _ = input.compiled(.incomplete)
        #expect(input.line(":upper()") == .compile("local s = x\n:upper()"))
    }
}
