import Foundation
import Testing

/// The promises of README "Running untrusted scripts" and "Exit statuses", tried the way a
/// hostile snippet would: values that should crash the host, escapes from --safe, loops that
/// should outlive --timeout and Ctrl-C, memory grown outside the limit.
@Suite struct HostileValueTests {
    @Test func everyReachableFunctionSurvivesHostileValues() async throws {
        let walker = Binary.packageRoot.appendingPathComponent("Tests/Lua/hostile_walk.lua").path
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--sandbox", "--plan", "unlimited", "--quiet", walker],
                                         limit: 600)
        #expect(end.signal == nil, "ended by signal \(end.signal ?? 0): \(end.stderr.suffix(2000))")
        // 3: b24.each items failed; 4: b24.confirm was called with no terminal to ask.
        #expect([0, 3, 4].contains(end.status), "\(end.status): \(end.stderr.suffix(2000))")
        let line = end.stdout.split(separator: "\n").last { $0.hasPrefix("walked ") } ?? ""
        let functions = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect(functions >= 40, "the walk found too little: '\(line)'")
    }

    @Test(arguments: [
        "b24.Error.__tostring(42)",
        "b24.Error.__index.is(nil, 'x')",
        "getmetatable(b24.null).__tostring()",
        "b24.Error.__tostring(setmetatable({}, {__index = function() error('x') end}))",
    ])
    func knownCrashersRaiseLuaErrors(_ chunk: String) async throws {
        let end = try await SpawnedProcess.run(Binary.b24lua, ["-e", "print(pcall(function() return \(chunk) end))"])
        #expect(end.signal == nil)
        #expect(end.status == 0, "\(end.stderr)")
    }
}

@Suite struct SafeModeTests {
    let dir: URL
    init() throws { dir = try Binary.temporaryDirectory() }

    /// Every line the script prints is "BLOCKED what" or "ESCAPED what".
    static let escapes = """
        local function try(what, f)
          local ok, r = pcall(f)
          if ok and r then print("ESCAPED " .. what) else print("BLOCKED " .. what) end
        end
        local outside = ...
        try("os.getenv", function() return os.getenv("SECRET_TOKEN") end)
        try("environ", function() return io.open("/proc/self/environ"):read("a") end)
        try("environ via lines", function() for l in io.lines("/proc/self/environ") do return l end end)
        try("environ via input", function() io.input("/proc/self/environ") return io.read("a") end)
        try("environ via dofile", function() dofile("/proc/self/environ") return true end)
        try("environ via loadfile", function() return loadfile("/proc/self/environ") end)
        try("cmdline", function() return io.open("/proc/self/cmdline") end)
        try("sys", function() return io.open("/sys/kernel/hostname") end)
        try("dev", function() return io.open("/dev/zero") end)
        try("outside file", function() return io.open(outside):read("a") end)
        try("outside by number name", function() return io.open(1234) end)
        try("dot-dot", function() return io.open("../" .. outside:match("[^/]+$")) end)
        try("link to outside", function() return io.open("link-out"):read("a") end)
        try("link to proc", function() return io.open("link-proc"):read("a") end)
        try("write beside script", function() return io.open("new.txt", "w") end)
        try("append beside script", function() return io.open("inside.txt", "a") end)
        try("read-plus beside script", function() return io.open("inside.txt", "r+") end)
        try("output", function() io.output("out.txt") return true end)
        try("os.remove", function() return os.remove("inside.txt") end)
        try("os.rename", function() return os.rename("inside.txt", "x.txt") end)
        try("os.execute", function() return os.execute("true") end)
        try("os.tmpname", function() return os.tmpname() end)
        try("io.popen", function() return io.popen("id") end)
        try("io.tmpfile", function() return io.tmpfile() end)
        try("debug", function() return debug.getinfo(1) end)
        try("package.loaded.debug", function() return package.loaded.debug.getinfo end)
        try("loadlib", function() return package.loadlib("libc.so.6", "*") end)
        try("searchpath", function() return package.searchpath("passwd", "/etc/?") end)
        try("C module", function() return require("cjson") end)
        try("string.dump", function() return string.dump(print) end)
        try("binary chunk", function() return load("\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10") end)
        try("binary chunk by mode", function() return load("\\27Lua", "x", "b") end)
        try("binary loadfile", function() return loadfile("chunk.luac") end)
        try("require from /etc", function() package.path = "/etc/?"; return require("passwd") end)
        try("require from proc", function() package.path = "/proc/self/?"; return require("environ") end)
        print("READ " .. io.open("inside.txt"):read("a"))
        print("MODULE " .. require("helper").name)
        print("LOAD " .. load("return 1 + 1")())
        local f = assert(io.open(arg[2] .. "/result.txt", "w")); f:write("written"); f:close()
        print("WROTE")
        """

    @Test func escapesAreRefusedAndTheAllowedStillWorks() async throws {
        let scriptDir = dir.appendingPathComponent("job")
        let writable = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: scriptDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: writable, withIntermediateDirectories: true)
        let outside = dir.appendingPathComponent("secret.txt")
        try "top secret".write(to: outside, atomically: true, encoding: .utf8)
        try "inside".write(to: scriptDir.appendingPathComponent("inside.txt"), atomically: true, encoding: .utf8)
        try "return {name = 'helper'}".write(to: scriptDir.appendingPathComponent("helper.lua"), atomically: true, encoding: .utf8)
        try Data([0x1b, 0x4c, 0x75, 0x61, 0x54, 0x00]).write(to: scriptDir.appendingPathComponent("chunk.luac"))
        try FileManager.default.createSymbolicLink(atPath: scriptDir.appendingPathComponent("link-out").path,
                                                   withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: scriptDir.appendingPathComponent("link-proc").path,
                                                   withDestinationPath: "/proc/self/environ")
        let script = scriptDir.appendingPathComponent("escape.lua")
        try Self.escapes.write(to: script, atomically: true, encoding: .utf8)

        let end = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "--allow-write", writable.path, script.path, outside.path, writable.path],
                                         environment: ["SECRET_TOKEN": "tok-93f1"], directory: scriptDir)
        #expect(end.status == 0, "\(end.stderr)")
        let lines = end.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("ESCAPED") } == [])
        #expect(lines.filter { $0.hasPrefix("BLOCKED") }.count == 35)
        #expect(lines.contains("READ inside"))
        #expect(lines.contains("MODULE helper"))
        #expect(lines.contains("LOAD 2"))
        #expect(lines.contains("WROTE"))
        #expect(try String(contentsOf: writable.appendingPathComponent("result.txt"), encoding: .utf8) == "written")
        #expect(!end.stdout.contains("tok-93f1") && !end.stderr.contains("tok-93f1"))
        #expect(!end.stdout.contains("top secret"))
        #expect(FileManager.default.fileExists(atPath: scriptDir.appendingPathComponent("inside.txt").path))
        #expect(!FileManager.default.fileExists(atPath: scriptDir.appendingPathComponent("new.txt").path))
    }

    @Test func allowReadOpensOneMoreDirectoryOnly() async throws {
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "42".write(to: data.appendingPathComponent("n.txt"), atomically: true, encoding: .utf8)
        let chunk = "print(io.open(...):read('a')); print(io.open(... .. '.w', 'w'))"
        let ok = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "--allow-read", data.path, "-e",
                                                        "local p = '\(data.path)/n.txt' " + chunk.replacingOccurrences(of: "...", with: "p")])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("42\nnil\t--safe:"))
        let refused = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "-e", "assert(io.open('\(data.path)/n.txt'))"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not below the script's directory or a --allow-read directory"))
    }

    @Test func allowOptionsWithoutSafeAreAUsageError() async throws {
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--allow-write", dir.path, "-e", "print(1)"])
        #expect(end.status == 2)
        #expect(end.stderr.contains("goes with --safe"))
    }
}

/// --timeout and Ctrl-C end everything, with 124 and 130; what Lua cannot stop (a finalizer, a
/// pattern match) is ended by the watchdog. The limits here only detect hangs.
@Suite struct StopTests {
    static let loops: [String: String] = [
        "pcall loop": "while true do pcall(function() while true do end end) end",
        "xpcall handler": "while true do xpcall(error, function() while true do end end) end",
        "finalizer": "setmetatable({}, {__gc = function() while true do end end}) collectgarbage()",
        "pattern bomb": "string.find(('a'):rep(60), ('a*'):rep(60) .. 'b')",
        "sort comparator": "table.sort({3, 2, 1, 5, 4}, function(a, b) while true do end end)",
        "coroutine": "coroutine.wrap(function() while true do end end)()",
        "nested coroutines": "coroutine.wrap(function() coroutine.resume(coroutine.create(function() while true do pcall(error) end end)) end)()",
        "own hook": "debug.sethook(function() end, 'l') while true do end",
        "hook removed in pcall": "while true do pcall(function() debug.sethook() while true do end end) end",
        "looping hook": "debug.sethook(function() while true do end end, 'l')\nlocal x = 1",
        "blocking read": "io.read('l')",
        "each item": "b24.each({1, 2, 3}, function() while true do end end)",
        "close variable": "do local x <close> = setmetatable({}, {__close = function() while true do end end}) error('e') end",
    ]

    @Test(arguments: loops.keys.sorted())
    func timeoutEndsIt(_ name: String) async throws {
        let p = try SpawnedProcess(Binary.b24lua, ["--sandbox", "--timeout", "0.5", "-e", Self.loops[name]!])
        let end = await p.wait(limit: 30)  // stdin stays open: "blocking read" blocks as on a terminal
        #expect(end.signal == nil)
        #expect(end.status == 124, "\(end.stderr)")
        #expect(end.stderr.contains("timeout"), "\(end.stderr)")
    }

    @Test(arguments: ["pcall loop", "finalizer", "blocking read", "each item", "pattern bomb"])
    func ctrlCEndsIt(_ name: String) async throws {
        let p = try SpawnedProcess(Binary.b24lua, ["--sandbox", "-e", "print('ready') io.stdout:flush() " + Self.loops[name]!])
        #expect(await p.waitForOutput("ready"))
        usleep(200_000)
        p.send(SIGINT)
        let end = await p.wait(limit: 30)
        #expect(end.signal == nil)
        #expect(end.status == 130, "\(end.stderr)")
    }

    @Test func noHookWhileNoStopIsPending() async throws {
        let chunk = "print(debug.gethook()) local f = function() end debug.sethook(f, 'l') print(debug.gethook() == f)"
        let ours = try await SpawnedProcess.run(Binary.b24lua, ["--timeout", "30", "-e", chunk])
        let theirs = try await SpawnedProcess.run("/usr/bin/lua5.4", ["-e", chunk])
        #expect(ours.status == 0)
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stdout == "nil\ntrue\n")
    }

    @Test func aScriptsOwnHookDoesNotDisableTheTimeout() async throws {
        let chunk = "local n = 0 debug.sethook(function() n = n + 1 end, '', 100) while true do end"
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--timeout", "0.5", "-e", chunk], limit: 30)
        #expect(end.status == 124)
    }

    @Test func aFinishedScriptIsNotStopped() async throws {
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--timeout", "0.3", "-e", "print(pcall(error, 'x'))"])
        #expect(end.status == 0)
        #expect(end.stdout == "false\tx\n")
    }
}

/// --max-memory covers the Lua code the host runs itself: an error's __tostring while it is
/// reported, finalizers, and calls from Swift primitives.
@Suite struct MemoryLimitTests {
    static let hogs: [String: String] = [
        "error __tostring": "error(setmetatable({}, {__tostring = function() local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(64) .. i end end}))",
        "finalizer at exit": "setmetatable({}, {__gc = function() local t = {} for i = 1, 1e8 do t[i] = {i} end end})",
        "finalizer in a collection": "setmetatable({}, {__gc = function() local t = {} for i = 1, 1e8 do t[i] = {i} end end}) collectgarbage() print('after')",
        "plain growth": "local t = {} for i = 1, 1e8 do t[i] = ('y'):rep(64) .. i end",
    ]

    @Test(arguments: hogs.keys.sorted())
    func processStaysWithinTheLimit(_ name: String) async throws {
        let baseline = try await SpawnedProcess.run(Binary.b24lua, ["--max-memory", "16", "-e", "local t = {} for i = 1, 1000 do t[i] = i end"],
                                                    measuringPeakMemory: true)
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--max-memory", "16", "-e", Self.hogs[name]!], limit: 120,
                                               measuringPeakMemory: true)
        #expect(end.signal == nil, "\(end.stderr)")
        #expect(end.status == 0 || end.status == 1, "\(end.stderr)")
        // the limit (16 MiB) plus a fixed overhead (8 MiB) over an idle run's peak
        #expect(end.maxRSSKiB < baseline.maxRSSKiB + 24 * 1024, "peak \(end.maxRSSKiB) KiB vs idle \(baseline.maxRSSKiB) KiB")
    }
}

/// The Lua authors' own tests of the debug library and of require, which the host's hooks and
/// searcher touch: b24lua must end them as lua5.4 does. scripts/setup fetches them.
@Suite struct LuaTestSuiteTests {
    @Test(arguments: ["db.lua", "attrib.lua"])
    func sameOutcomeAsLua(_ file: String) async throws {
        let source = Binary.packageRoot.appendingPathComponent(".build/lua-testes/\(file)")
        try #require(FileManager.default.fileExists(atPath: source.path), "run scripts/setup: it fetches \(file)")
        func run(_ program: String) async throws -> SpawnedProcess.Ending {
            let dir = try Binary.temporaryDirectory()
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("libs/P1"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent(file))
            return try await SpawnedProcess.run(program, [file], directory: dir, limit: 120)
        }
        let ours = try await run(Binary.b24lua)
        let theirs = try await run("/usr/bin/lua5.4")
        #expect(ours.signal == nil)
        #expect(ours.status == theirs.status, "\(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
        // the first line of the error, without the program's name ("lua5.4: ", "b24lua: ")
        let firstLine = { (s: String) in
            String(s.split(separator: "\n").first ?? "").split(separator: " ", maxSplits: 1).dropFirst().joined()
        }
        #expect(firstLine(ours.stderr) == firstLine(theirs.stderr))
    }
}
