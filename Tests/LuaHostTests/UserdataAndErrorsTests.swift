import CLua
import LuaHost
import Testing

@Suite struct UserdataAndErrorsTests {
    final class Account {
        let name: String
        let tracked: Tracked
        init(name: String, counter: LiveCounter) {
            self.name = name
            tracked = Tracked(counter)
        }
    }

    func defineAccount(_ s: LuaStack) {
        s.define(LuaClass(
            name: "test.Account",
            methods: [
                "greet": { s in
                    guard let a = s.object(at: 1, of: "test.Account") as? Account else {
                        throw s.argumentError(1, "greet", "test.Account expected")
                    }
                    s.push("hello " + a.name)
                    return 1
                },
            ],
            toString: { obj in "Account(\((obj as! Account).name))" },
            index: { s in
                s.push("field:" + (s.string(at: 2) ?? "?"))
                return 1
            }
        ))
    }

    @Test func userdataMethodsIndexAndToString() throws {
        let counter = LiveCounter()
        let lua = try LuaState()
        defineAccount(lua.main)
        lua.main.push(object: Account(name: "ann", counter: counter), as: "test.Account")
        lua.main.setGlobal("acct")
        let r = try lua.run("return acct:greet(), tostring(acct), acct.color, getmetatable(acct).__name")
        #expect(r == [.string("hello ann"), .string("Account(ann)"), .string("field:color"), .string("test.Account")])
        #expect(try lua.run("return pcall(acct.greet, {})").first == .boolean(false))
    }

    @Test func gcRunsAndReleasesTheSwiftObject() throws {
        let counter = LiveCounter()
        let lua = try LuaState()
        defineAccount(lua.main)
        lua.main.push(object: Account(name: "bob", counter: counter), as: "test.Account")
        lua.main.setGlobal("acct")
        #expect(counter.live == 1)
        _ = try lua.run("acct = nil; collectgarbage(); collectgarbage()")
        #expect(counter.live == 0)
    }

    @Test func runtimeErrorsCarryFileLineAndTraceback() throws {
        let lua = try LuaState()
        do {
            _ = try lua.run("local x = 1\nlocal function f()\n  return nil + x\nend\nf()", name: "@script.lua")
            Issue.record("expected an error")
        } catch let error as LuaError {
            #expect(error.status == .runtime)
            #expect(error.message.hasPrefix("script.lua:3: attempt to perform arithmetic on a nil value"))
            #expect(error.message.contains("stack traceback:"))
            #expect(error.message.contains("script.lua:5: in main chunk"))
        }
    }

    @Test func syntaxErrorsNameTheChunk() throws {
        let lua = try LuaState()
        #expect {
            try lua.main.load("x = = 1", chunkName: "@broken.lua")
        } throws: { error in
            guard let e = error as? LuaError else { return false }
            return e.status == .syntax && e.message.hasPrefix("broken.lua:1:")
        }
    }

    @Test func nonStringErrorValuesAreDescribed() throws {
        let lua = try LuaState()
        do {
            _ = try lua.run("error({})")
            Issue.record("expected an error")
        } catch let error as LuaError {
            #expect(error.message.hasPrefix("(error object is a table value)"))
        }
    }

    @Test func modulePathOrder() throws {
        let env = ["B24LUA_PATH": "/opt/a:/opt/b/?.lua", "XDG_DATA_HOME": "/x", "HOME": "/home/u"]
        let path = ModuleSearchPath(scriptDirectory: "/scripts", environment: env)
        #expect(path.templates == [
            "/scripts/?.lua", "/scripts/?/init.lua", "/opt/a/?.lua", "/opt/a/?/init.lua", "/opt/b/?.lua",
            "/x/b24lua/snippets/?.lua", "/x/b24lua/snippets/?/init.lua",
        ])
        #expect(ModuleSearchPath.userSnippetDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.local/share/b24lua/snippets")
    }
}
