import Foundation
import Testing

/// The runner as a user runs it, with lua5.4 as the reference for lua(1) behaviour.
@Suite struct RunnerTests {
    let dir: URL

    init() throws {
        dir = try Binary.temporaryDirectory()
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let referenceScripts: [String: String] = [
        "args.lua": """
            print(select('#', ...), ...)
            for i = -1, #arg do print(i, arg[i]) end
            """,
        "values.lua": """
            print(1, 1.0, -0.0, 2^63, math.maxinteger, 7 // 2, 7 / 2, 1e100, 0/0 ~= 0/0)
            print(string.format("%q", "a\\0b\\n"), #"a\\0b", ("x"):rep(3, ","))
            local t = setmetatable({}, {__tostring = function() return "custom" end})
            print(tostring(t), type(print), tostring(nil), true and 1 or 2)
            """,
        "coroutines.lua": """
            local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
            print(co(1), co(10))
            print(pcall(error, setmetatable({}, {__tostring = function() return "E" end})) == false)
            print(select(2, pcall(error, "msg", 0)))
            print(string.pack and #string.pack("i4", 7), utf8.char(72, 228, 8364))
            local ok, e = pcall(function() local x = nil; return x.y end)
            print(ok, e)
            """,
        "sorting.lua": """
            local t = {5, 3, 9, 1}
            table.sort(t, function(a, b) return a > b end)
            print(table.concat(t, " "), #t, next({}))
            goto done
            print("skipped")
            ::done::
            print(math.type(1), math.type(1.0), math.type("1"), ("%5.2f"):format(math.pi))
            """,
    ]

    @Test(arguments: referenceScripts.keys.sorted())
    func sameOutputAsLua(_ name: String) async throws {
        let path = try write(name, Self.referenceScripts[name]!)
        let ours = try await Binary.b24luaAsync([path, "one", "two words"], directory: dir)
        let theirs = try await Binary.runAsync("/usr/bin/lua5.4", [path, "one", "two words"], directory: dir)
        #expect(ours.status == theirs.status)
        // arg[-1] names the interpreter: the one line that must differ.
        let normalize = { (s: String) in
            s.replacingOccurrences(of: Binary.b24lua, with: "LUA").replacingOccurrences(of: "/usr/bin/lua5.4", with: "LUA")
        }
        #expect(normalize(ours.stdout) == normalize(theirs.stdout))
        #expect(ours.stderr.isEmpty)
    }

    @Test func argTableLikeLua() async throws {
        let path = try write("a.lua", "for i = -3, #arg do io.write(i, '=', tostring(arg[i]), ' ') end print(...)")
        let r = try await Binary.b24luaAsync(["-e", "x=1", path, "-e", "z"])
        #expect(r.status == 0)
        #expect(r.stdout == "-3=\(Binary.b24lua) -2=-e -1=x=1 0=\(path) 1=-e 2=z \t-e\tz\n".replacingOccurrences(of: " \t", with: " "))
    }

    @Test func executeChunksRunInOrder() async throws {
        let r = try await Binary.b24luaAsync(["-e", "x = 20", "-e", "print(x + 22)", "-e", "print(arg[0])"])
        #expect(r.status == 0)
        #expect(r.stdout == "42\n\(Binary.b24lua)\n")
    }

    @Test func requireBesideTheScriptAndCjson() async throws {
        _ = try write("lib/helper.lua", "return {greet = function(n) return 'hi ' .. n end}")
        let main = try write("lib/main.lua", """
            local h = require "helper"
            local cjson = require "cjson"
            print(h.greet("ann"), cjson.encode({id = 1763}))
            """)
        let r = try await Binary.b24luaAsync([main])  // run from elsewhere: the script's directory is searched
        #expect(r.stderr == "")
        #expect(r.stdout == "hi ann\t{\"id\":1763}\n")
        let l = try await Binary.b24luaAsync(["-l", "cjson", "-l", "j=cjson", "-e", "print(cjson == j, j.decode('[1,\"b\"]')[2])"])
        #expect(l.stdout == "true\tb\n")
    }

    @Test func b24luaPathIsSearched() async throws {
        _ = try write("shared/tool.lua", "return 'from B24LUA_PATH'")
        let r = try await Binary.b24luaAsync(["-e", "print((require 'tool'))"],
                                  environment: ["B24LUA_PATH": dir.appendingPathComponent("shared").path])
        #expect(r.stdout == "from B24LUA_PATH\n")
    }

    @Test func stdinAsScript() async throws {
        let piped = try await Binary.b24luaAsync([], stdin: "print('piped', #arg)")
        #expect(piped.stdout == "piped\t0\n")
        let dash = try await Binary.b24luaAsync(["-", "a", "b"], stdin: "print(...)")
        #expect(dash.stdout == "a\tb\n")
    }

    @Test func luaInit() async throws {
        let r = try await Binary.b24luaAsync(["-e", "print(greeting)"], environment: ["LUA_INIT": "greeting = 'set by LUA_INIT'"])
        #expect(r.stdout == "set by LUA_INIT\n")
        let e = try await Binary.b24luaAsync(["-E", "-e", "print(greeting)"], environment: ["LUA_INIT": "greeting = 1"])
        #expect(e.stdout == "nil\n")
    }

    @Test func errorsExitOneWithMessageAndTraceback() async throws {
        let path = "fail.lua"
        _ = try write(path, "local function f()\n  error('disk on fire')\nend\nf()\n")
        let r = try await Binary.b24luaAsync([path], directory: dir)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("b24lua: \(path):2: disk on fire\nstack traceback:"))
        #expect(r.stderr.contains("\(path):4: in main chunk"))
        let obj = try await Binary.b24luaAsync(["-e", "error(setmetatable({}, {__tostring = function() return 'E!' end}))"])
        #expect(obj.status == 1)
        #expect(obj.stderr.hasPrefix("b24lua: E!\nstack traceback:"))
    }

    @Test func syntaxErrorExitsOne() async throws {
        let path = "bad.lua"
        _ = try write(path, "x = = 1")
        let r = try await Binary.b24luaAsync([path], directory: dir)
        #expect(r.status == 1)
        #expect(r.stderr == "b24lua: \(path):1: unexpected symbol near '='\n")
    }

    @Test func usageErrorsExitTwo() async throws {
        let r = try await Binary.b24luaAsync(["-z"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("b24lua: unrecognized option '-z'\nusage: b24lua"))
        let missing = try await Binary.b24luaAsync(["-e"])
        #expect(missing.status == 2)
    }

    @Test func checkCompilesOnly() async throws {
        let good = "good.lua", bad = "broken.lua"
        _ = try write(good, "os.exit(7)")
        _ = try write(bad, "function f(\n")
        let ok = try await Binary.b24luaAsync(["check", good], directory: dir)
        #expect(ok.status == 0)
        #expect(ok.stdout == "\(good): ok\n")
        let r = try await Binary.b24luaAsync(["check", good, bad], directory: dir)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("b24lua: \(bad):2:"))
        #expect(r.stderr.contains("near <eof>"))
        #expect(try await Binary.b24luaAsync(["check"]).status == 2)
    }

    @Test func exitStatusFromOsExit() async throws {
        #expect(try await Binary.b24luaAsync(["-e", "os.exit(0)"]).status == 0)
        #expect(try await Binary.b24luaAsync(["-e", "os.exit(false)"]).status == 1)
    }

    @Test func ctrlCInterruptsWithStatus130() async throws {
        _ = try write("spin.lua", "io.write('ready\\n'); io.stdout:flush(); while true do end")
        let p = try SpawnedProcess(Binary.b24lua, ["spin.lua"], directory: dir)
        // Wait (bounded) for the script to be running before interrupting it.
        #expect(await p.waitForOutput("ready"))
        p.send(SIGINT)
        let end = await p.wait(limit: 30)
        #expect(end.status == 130)
        // The hook fires on the next event; on a line event luaL_error adds "spin.lua:1:".
        #expect(end.stderr.hasPrefix("b24lua: interrupted!") || end.stderr.hasPrefix("b24lua: spin.lua:1: interrupted!"))
        #expect(end.stderr.contains("spin.lua:1: in main chunk"))
    }
}
