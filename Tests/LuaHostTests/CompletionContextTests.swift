import LuaHost
import Testing

/// What the REPL completes, read from the text before the cursor.
@Suite struct CompletionContextTests {
    @Test func aGlobalName() {
        #expect(CompletionContext.parse("pri") == CompletionContext(kind: .name, partial: "pri", wordPrefix: ""))
        #expect(CompletionContext.parse("x = ") == CompletionContext(kind: .name, partial: "", wordPrefix: ""))
    }

    @Test func aFieldOfADottedPath() {
        #expect(CompletionContext.parse("b24.chat_u")
                == CompletionContext(kind: .field(path: ["b24"], method: false), partial: "chat_u", wordPrefix: "b24."))
        #expect(CompletionContext.parse("print(b24.sandbox.")
                == CompletionContext(kind: .field(path: ["b24", "sandbox"], method: false), partial: "", wordPrefix: "b24.sandbox."))
        #expect(CompletionContext.parse("s:up")
                == CompletionContext(kind: .field(path: ["s"], method: true), partial: "up", wordPrefix: "s:"))
    }

    @Test func argumentKeysInsideACallTable() {
        #expect(CompletionContext.parse("b24.chat_user_delete{")
                == CompletionContext(kind: .argumentKey(function: ["b24", "chat_user_delete"], given: []), partial: "", wordPrefix: ""))
        #expect(CompletionContext.parse(#"b24.chat_user_delete({entity_type = "lead", entity = 1205, us"#)
                == CompletionContext(kind: .argumentKey(function: ["b24", "chat_user_delete"], given: ["entity_type", "entity"]),
                                     partial: "us", wordPrefix: ""))
        #expect(CompletionContext.parse("f{\n  a = 1,\n  ")
                == CompletionContext(kind: .argumentKey(function: ["f"], given: ["a"]), partial: "", wordPrefix: ""))
    }

    @Test func aValuePositionInACallTableIsAName() {
        #expect(CompletionContext.parse("b24.chat_user_delete{user = us")
                == CompletionContext(kind: .name, partial: "us", wordPrefix: ""))
        #expect(CompletionContext.parse("f{x = 1, y == 2, ")
                == CompletionContext(kind: .argumentKey(function: ["f"], given: ["x"]), partial: "", wordPrefix: ""))
        // A table constructor that is not a call argument offers names.
        #expect(CompletionContext.parse("t = {x = 1, ") == CompletionContext(kind: .name, partial: "", wordPrefix: ""))
    }

    @Test func nothingInsideStringsCommentsOrNumbers() {
        #expect(CompletionContext.parse(#"print("b24.chat"#) == nil)
        #expect(CompletionContext.parse("x = 1 -- b24.ch") == nil)
        #expect(CompletionContext.parse("x = [[ b24.") == nil)
        #expect(CompletionContext.parse("x = 3.1") == nil)
        #expect(CompletionContext.parse("f().x") == nil)
        #expect(CompletionContext.parse(#"print("done") b24.ch"#)
                == CompletionContext(kind: .field(path: ["b24"], method: false), partial: "ch", wordPrefix: "b24."))
    }
}
