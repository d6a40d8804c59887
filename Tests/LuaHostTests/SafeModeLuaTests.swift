import Foundation
import LuaHost
import Testing

/// `LuaStack.enterSafeMode` from Lua's side: every opener goes through the policy, the removed
/// functions stay absent but say why when called, and require's confined search opens a
/// module only beneath its template's directory (docs/lua-host.md, "--safe").
@Suite struct SafeModeLuaTests {
    let dir: String, job: String, outside: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-safelua-\(UUID().uuidString)").path
        job = dir + "/job"
        outside = dir + "/outside"
        let fm = FileManager.default
        for d in [job, outside] { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "#!/usr/bin/env b24lua\nreturn 'helper', (select(2, pcall(function() error('x') end)))"
            .write(toFile: job + "/helper.lua", atomically: false, encoding: .utf8)
        try "line1\nline2\n".write(toFile: job + "/lines.txt", atomically: false, encoding: .utf8)
        try "return 'ESCAPED'".write(toFile: outside + "/evil.lua", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: job + "/evil.lua", withDestinationPath: outside + "/evil.lua")
        try fm.createSymbolicLink(atPath: job + "/environ.lua", withDestinationPath: "/proc/self/environ")
        try fm.createSymbolicLink(atPath: job + "/alias.lua", withDestinationPath: "helper.lua")
    }

    func safeState() throws -> LuaState {
        let lua = try LuaState()
        try lua.main.enterSafeMode(FileAccessPolicy(readable: [job], writable: []))
        return lua
    }

    func strings(_ lua: LuaState, _ code: String) throws -> [String] {
        try lua.run(code).map { v in
            switch v {
            case .string(let b): String(decoding: b, as: UTF8.self)
            case .boolean(let b): "\(b)"
            case .nil: "nil"
            default: "\(v)"
            }
        }
    }

    @Test func everyOpenerRefusesALinkOutAndReadsWhatIsBelow() throws {
        let lua = try safeState()
        for (what, code) in [
            ("io.open", "return io.open(P)"),
            ("io.lines", "for l in io.lines(P) do return l end"),
            ("loadfile", "return loadfile(P)"),
            ("dofile", "return dofile(P)"),
            ("io.input", "io.input(P) return io.read('a')"),
        ] {
            for link in ["evil.lua", "environ.lua"] {
                let chunk = "local P = '\(job)/\(link)' return pcall(function() \(code) end)"
                let r = try strings(lua, chunk)
                #expect(r.first == "true" ? r.count > 1 && r[1] == "nil" : r.first == "false", "\(what) \(link): \(r)")
                #expect(!r.joined().contains("ESCAPED"), "\(what) \(link): \(r)")
            }
        }
        #expect(try strings(lua, "local f = io.open('\(job)/lines.txt') return f:read('l')") == ["line1"])
        #expect(try strings(lua, "local t = {} for l in io.lines('\(job)/lines.txt') do t[#t+1] = l end return table.concat(t, ',')")
                == ["line1,line2"])
        // loadfile skips the '#!' line as lua does and keeps line numbers
        // (Lua shortens a long chunk name in messages: only its end is compared)
        let done = try strings(lua, "return dofile('\(job)/helper.lua')")
        #expect(done.first == "helper" && done.last?.hasSuffix("/helper.lua:2: x") == true, "\(done)")
        let alias = try strings(lua, "return loadfile('\(job)/alias.lua')()")
        #expect(alias.first == "helper" && alias.last?.hasSuffix("/alias.lua:2: x") == true, "\(alias)")
        #expect(try strings(lua, "return select(2, loadfile('\(job)/missing.lua'))") == ["cannot open \(job)/missing.lua: No such file or directory"])
        #expect(try strings(lua, "return select(2, pcall(io.lines, '\(job)/missing.txt'))").first?
            .hasSuffix("cannot open file '\(job)/missing.txt' (No such file or directory)") == true)
    }

    @Test func ioLinesClosesItsFileAtTheEnd() throws {
        let lua = try safeState()
        let r = try strings(lua, """
            local it, _, _, f = io.lines('\(job)/lines.txt')
            it() it()
            local after = it()
            return tostring(after), io.type(f)
            """)
        #expect(r == ["nil", "closed file"])
    }

    @Test func removedFunctionsAreAbsentAndSayWhyWhenCalled() throws {
        let lua = try safeState()
        let removed = ["os.execute", "os.getenv", "os.remove", "os.rename", "os.tmpname", "io.popen", "io.tmpfile",
                       "string.dump", "package.loadlib", "package.searchpath", "debug.getinfo", "debug.sethook",
                       "debug.getlocal", "debug.getupvalue", "debug.setmetatable", "debug.getregistry"]
        for name in removed {
            #expect(try strings(lua, "return tostring(\(name) == nil)") == ["true"], "\(name) is feature-testable")
            let message = try strings(lua, "return select(2, pcall(function() \(name)('x') end))").first ?? ""
            #expect(message.hasSuffix("\(name) is not available under --safe"), "\(message)")
            #expect(message.contains("attempt to call a nil value (field '\(name.split(separator: ".").last!)')"), "\(message)")
        }
        #expect(try strings(lua, "return select(2, pcall(function() ('x'):dump() end))").first?
            .hasSuffix("(method 'dump'): string.dump is not available under --safe") == true)
        // The traceback stays, for xpcall handlers.
        #expect(try strings(lua, "return type(debug.traceback), select(2, xpcall(error, debug.traceback, 'boom')):match('^boom') ")
                == ["function", "boom"])
        #expect(try strings(lua, "return tostring(package.loaded.debug == debug), tostring(getmetatable(nil))") == ["true", "false"])
    }

    @Test func callingNilStillReadsAsLuaSaysIt() throws {
        let lua = try safeState()
        #expect(try strings(lua, "local f return select(2, pcall(function() f() end))")
                == ["test:1: attempt to call a nil value (upvalue 'f')"])
        #expect(try strings(lua, "return select(2, pcall(function() local g; g() end))")
                == ["test:1: attempt to call a nil value (local 'g')"])
        #expect(try strings(lua, "return select(2, pcall(function() undefined_global() end))")
                == ["test:1: attempt to call a nil value (global 'undefined_global')"])
        #expect(try strings(lua, "return select(2, pcall(function() local t = {} t.helper() end))")
                == ["test:1: attempt to call a nil value (field 'helper')"])
    }

    @Test func requiresConfinedSearchStaysBeneathEachTemplatesDirectory() throws {
        let lua = try LuaState()
        let path = ModuleSearchPath(scriptDirectory: job, environment: ["HOME": dir + "/home"])
        let s = lua.main
        try s.pushConfinedModuleSearch(path)
        s.setGlobal("search")
        #expect(try strings(lua, "local chunk, file = search('helper') return (chunk()), file") == ["helper", job + "/helper.lua"])
        #expect(try strings(lua, "local chunk, file = search('alias') return (chunk()), file") == ["helper", job + "/alias.lua"])
        for name in ["evil", "environ"] {
            let r = try strings(lua, "return search('\(name)')")
            #expect(r.count == 3 && r[0] == "nil" && r[1] == job + "/\(name).lua" && r[2].hasPrefix("--safe:"), "\(r)")
        }
        let miss = try strings(lua, "return search('absent')")
        #expect(miss.count == 3 && miss[0] == "nil" && miss[1] == "nil")
        #expect(miss.last?.hasPrefix("no file '\(job)/absent.lua'\n\tno file '\(job)/absent/init.lua'") == true, "\(miss)")
        // '.' in a name is a '/', so a name never says '..': this one is looked for inside
        let up = try strings(lua, "return search('../outside/evil')")
        #expect(up.count == 3 && up[0] == "nil" && up[1] == "nil", "\(up)")
    }
}
