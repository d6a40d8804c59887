import B24Lua
import LuaHost
import Testing

@Suite struct SnippetLibraryTests {
    @Test(arguments: SnippetLibrary.shipped.map(\.name))
    func everyShippedSnippetCompilesAsTextAndIsDocumented(_ name: String) throws {
        let source = try #require(SnippetLibrary.shippedSource(name))
        let lua = try LuaState()
        try lua.main.load(source, chunkName: "=" + name, mode: "t")
        let header = SnippetHeader(source: source)
        #expect(!header.summary.isEmpty)
        for part in ["Usage:", "Parameters", "Returns:", "Writes:", "require \"\(name)\""] {
            #expect(header.text.contains(part), "\(name) header lacks \(part)")
        }
    }

    @Test func shippedNamesAreInTheNamespace() {
        #expect(SnippetLibrary.shipped.count >= 5)
        #expect(SnippetLibrary.shipped.allSatisfy { $0.name.hasPrefix(SnippetLibrary.namespace + ".") })
        #expect(Set(SnippetLibrary.shipped.map(\.name)).count == SnippetLibrary.shipped.count)
    }

    @Test func headerOfLineComments() {
        let h = SnippetHeader(source: Array("#!/usr/bin/env b24lua\n\n--- Summary here.\n--\n-- Usage:\n--   x()\nlocal M = {}\n-- not header\n".utf8))
        #expect(h.summary == "Summary here.")
        #expect(h.text == "Summary here.\n\nUsage:\n  x()")
    }

    @Test func headerOfALongComment() {
        let h = SnippetHeader(source: Array("--[==[\n  Long summary.\n  More ]] text.\n]==]\nreturn {}\n".utf8))
        #expect(h.summary == "Long summary.")
        #expect(h.text.contains("More ]] text."))
        #expect(!h.text.contains("return"))
    }

    @Test func noHeader() {
        #expect(SnippetHeader(source: Array("return {}\n".utf8)).summary == "")
    }

    @Test func searcherFindsShippedAfterTheTemplatesAndNamesEveryPlace() throws {
        let lua = try LuaState()
        let path = ModuleSearchPath(scriptDirectory: "/nonexistent/scripts", environment: ["HOME": "/nonexistent/home"])
        path.install(in: lua.main)
        try SnippetLibrary.installSearcher(in: lua.main, path: path)
        try lua.main.load("""
            package.preload.b24 = function() return {} end
            local ok, err = pcall(require, "b24.snippets.missing")
            local m, where = require "b24.snippets.entity_chats"
            return err, type(m.entities), where
            """, chunkName: "=test")
        try lua.main.call(nresults: 3)
        let message = lua.main.string(at: -3) ?? ""
        #expect(message.contains("no file '/nonexistent/scripts/b24/snippets/missing.lua'"))
        #expect(message.contains("no file '/nonexistent/home/.local/share/b24lua/snippets/b24/snippets/missing/init.lua'"))
        #expect(message.contains("no shipped snippet 'b24.snippets.missing'"))
        #expect(lua.main.string(at: -2) == "function")
        #expect(lua.main.string(at: -1) == "shipped:b24.snippets.entity_chats")
    }

    @Test func skeletonCompilesAndNamesTheModule() throws {
        let text = SnippetLibrary.skeleton(name: "team.cleanup")
        let lua = try LuaState()
        try lua.main.load(text, chunkName: "=skeleton", mode: "t")
        #expect(text.contains("require \"team.cleanup\""))
        #expect(SnippetLibrary.isValidName("team.cleanup"))
        #expect(!SnippetLibrary.isValidName("team..cleanup"))
        #expect(!SnippetLibrary.isValidName("1team"))
        #expect(!SnippetLibrary.isValidName("bad-name"))
    }
}
