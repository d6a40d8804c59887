import Foundation
import Testing

/// --safe checks the file a path reaches, not its name (README "Running untrusted scripts"):
/// a snippet shipped as a tarball or a git repository can carry links, so each escape is tried
/// through the real binary with every opener, and the legitimate uses must keep working.
@Suite struct SafeEscapeTests {
    let dir: URL, job: URL, out: URL, outside: URL

    init() throws {
        dir = try Binary.temporaryDirectory()
        job = dir.appendingPathComponent("job")
        out = dir.appendingPathComponent("out")
        outside = dir.appendingPathComponent("outside")
        let fm = FileManager.default
        for d in [job.appendingPathComponent("sub"), out, outside.appendingPathComponent("dir")] {
            try fm.createDirectory(at: d, withIntermediateDirectories: true)
        }
        func file(_ url: URL, _ name: String, _ text: String) throws {
            try text.write(to: url.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        func link(_ url: URL, _ name: String, _ target: String) throws {
            try fm.createSymbolicLink(atPath: url.appendingPathComponent(name).path, withDestinationPath: target)
        }
        try file(job, "inside.txt", "inside")
        try file(job, "helper.lua", "return {name = 'helper'}")
        try file(job.appendingPathComponent("sub"), "data.txt", "data")
        try file(outside, "secret.txt", "top secret")
        try file(outside, "evil.lua", "print('ESCAPED module ran') return {name = 'evil'}")
        try file(outside.appendingPathComponent("dir"), "evil.lua", "print('ESCAPED module ran') return {name = 'evil'}")
        try file(outside, "victim.txt", "victim")
        try file(out, "single.txt", "one")
        try link(job, "outmod.lua", outside.appendingPathComponent("evil.lua").path)
        try link(job, "upmod.lua", "../outside/evil.lua")
        try link(job, "envmod.lua", "/proc/self/environ")
        try link(job, "alias.lua", "helper.lua")
        try link(job, "linkdir", outside.appendingPathComponent("dir").path)
        try fm.linkItem(atPath: outside.appendingPathComponent("victim.txt").path, toPath: out.appendingPathComponent("hard.txt").path)
        try link(out, "dangling-abs", outside.appendingPathComponent("created-abs.txt").path)
        try link(out, "dangling-rel", "../outside/created-rel.txt")
        try link(out, "dangling-in", "made-through-link.txt")
    }

    /// Prints "BLOCKED what" or "ESCAPED what" for each try, then "OK what" for each use that
    /// must work. Runs in the script's directory, so relative names are relative to it.
    static let script = """
        local OUT, OUTSIDE = ...
        local function try(what, f)
          local ok, r = pcall(f)
          if ok and r then print("ESCAPED " .. what) else print("BLOCKED " .. what) end
        end
        local function read(f) local t = f:read("a") f:close() return t end
        for _, name in ipairs{"outmod", "upmod", "envmod"} do
          try("require " .. name, function() return require(name) end)
          try("io.open " .. name, function() return read(io.open(name .. ".lua")) end)
          try("io.lines " .. name, function() for l in io.lines(name .. ".lua") do return l end end)
          try("loadfile " .. name, function() return loadfile(name .. ".lua") end)
          try("dofile " .. name, function() dofile(name .. ".lua") return true end)
          try("io.input " .. name, function() io.input(name .. ".lua") return io.read("a") end)
        end
        try("require through linked directory", function() return require("linkdir.evil") end)
        try("middle link", function() return read(io.open("linkdir/evil.lua")) end)
        try("middle link, absolute", function() return read(io.open(OUTSIDE .. "/../job/linkdir/evil.lua")) end)
        try("middle link then up", function() return read(io.open("linkdir/../secret.txt")) end)
        try("dot-dot", function() return read(io.open("sub/../../outside/secret.txt")) end)
        try("absolute outside", function() return read(io.open(OUTSIDE .. "/secret.txt")) end)
        try("require dot-dot", function() return require("../outside/evil") end)
        for _, mode in ipairs{"w", "a", "r+", "w+", "a+"} do
          try("hard link " .. mode, function() return io.open(OUT .. "/hard.txt", mode) end)
        end
        try("hard link output", function() io.output(OUT .. "/hard.txt") return true end)
        for _, name in ipairs{"dangling-abs", "dangling-rel", "dangling-in"} do
          for _, mode in ipairs{"w", "a", "w+"} do
            try(name .. " " .. mode, function() return io.open(OUT .. "/" .. name, mode) end)
          end
          try(name .. " output", function() io.output(OUT .. "/" .. name) return true end)
        end
        io.output(io.stdout)
        local function ok(what, v) if v then print("OK " .. what) else print("FAILED " .. what) end end
        ok("read below", read(io.open("sub/data.txt")) == "data")
        ok("read below, absolute", read(io.open(OUT .. "/../job/sub/data.txt")) == "data")
        ok("dot-dot that stays", read(io.open("sub/../inside.txt")) == "inside")
        ok("lines", io.lines("inside.txt")() == "inside")
        ok("loadfile", loadfile("helper.lua")().name == "helper")
        ok("dofile", dofile("helper.lua").name == "helper")
        ok("require", require("helper").name == "helper")
        ok("require link inside", require("alias").name == "helper")
        local f = io.open(OUT .. "/new.txt", "w") f:write("made") f:close()
        ok("create below --allow-write", read(io.open(OUT .. "/new.txt")) == "made")
        f = io.open(OUT .. "/single.txt", "a") f:write("+") f:close()
        ok("append to a single-link file", read(io.open(OUT .. "/single.txt")) == "one+")
        print("removed", os.getenv == nil, io.popen == nil, debug.getinfo == nil, type(debug.traceback))
        """

    @Test func everyEscapeIsRefusedAndTheAllowedStillWorks() async throws {
        let script = job.appendingPathComponent("escape.lua")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "--allow-write", out.path, script.path, out.path, outside.path],
                                               directory: job)
        #expect(end.status == 0, "\(end.stderr)")
        let lines = end.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("ESCAPED") || $0.hasPrefix("FAILED") } == [])
        let blocked = lines.filter { $0.hasPrefix("BLOCKED") }.count
        #expect(blocked == 43, "\(end.stdout)")  // 3 links x 6 openers, 7 paths, 6 hard-link writes, 3 x 4 dangling
        #expect(lines.filter { $0.hasPrefix("OK") }.count == 10, "\(end.stdout)")
        #expect(lines.contains("removed\ttrue\ttrue\ttrue\tfunction"))
        #expect(!end.stdout.contains("top secret") && !end.stdout.contains("victim"))
        let fm = FileManager.default
        #expect(try String(contentsOf: outside.appendingPathComponent("victim.txt"), encoding: .utf8) == "victim")
        for made in [outside.appendingPathComponent("created-abs.txt"), outside.appendingPathComponent("created-rel.txt"),
                     out.appendingPathComponent("made-through-link.txt")] {
            #expect(!fm.fileExists(atPath: made.path), "created through a link: \(made.path)")
        }
    }

    /// /dev holds regular files too (/dev/shm: other programs' shared memory), on a tmpfs that
    /// no name check sees from an allowed "/" (a script in "/", `--allow-read /`): the file
    /// opened is refused by the filesystem it is on, as /proc's and /sys's are.
    @Test func nothingOnDevEvenBelowAnAllowedRoot() async throws {
        let name = "b24lua-safe-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let shm = URL(fileURLWithPath: "/dev/shm").appendingPathComponent(name)
        try "shared".write(to: shm, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: shm) }
        // relative: beneath "/", an absolute link is refused whatever it names
        let up = String(repeating: "../", count: job.resolvingSymlinksInPath().pathComponents.count - 1)
        try FileManager.default.createSymbolicLink(atPath: job.appendingPathComponent("shm").path, withDestinationPath: up + "dev/shm/" + name)
        let chunk = """
            local function try(p, mode)
              local f, why = io.open(p, mode)
              print(f and "OPENED" or "REFUSED", p, mode, why)
              if f then f:write("X") f:close() end
            end
            for _, p in ipairs{...} do
              for _, mode in ipairs{"r", "r+", "a"} do try(p, mode) end
            end
            try("/dev/shm", "r")
            """
        let script = job.appendingPathComponent("dev.lua")
        try chunk.write(to: script, atomically: true, encoding: .utf8)
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "--allow-write", "/", script.path, shm.path,
                                                               job.appendingPathComponent("shm").path])
        #expect(end.status == 0, "\(end.stderr)")
        #expect(!end.stdout.contains("OPENED"), "\(end.stdout)")
        #expect(end.stdout.components(separatedBy: "on /proc, /sys or /dev").count == 8, "\(end.stdout)")
        #expect(try String(contentsOf: shm, encoding: .utf8) == "shared")
    }

    /// io.open's and io.lines' errors point at the script's line and name the function as Lua's
    /// do, not into the host's wrapper chunk; io.lines' iterator returns what Lua's returns.
    @Test func ioErrorsReadAsInLua() async throws {
        for chunk in ["io.open({})", "io.open()", "io.open('x', 'rw')", "io.open('x', {})", "io.open(io.stdout)",
                      "print(select(2, pcall(io.open, 'x', 'wx')))", "for l in io.lines('sub') do end", "io.lines({})",
                      "print(pcall(io.lines, {}))", "local it = io.lines('inside.txt', 'n') print(select('#', it()))"] {
            let ours = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "--allow-read", job.path, "-e", chunk], directory: job)
            let lua = try await SpawnedProcess.run("/usr/bin/lua5.4", ["-e", chunk], directory: job)
            #expect(ours.stdout == lua.stdout, "\(chunk): \(ours.stdout)")
            #expect(ours.stderr.split(separator: "\n").first?.drop(while: { $0 != ":" })
                    == lua.stderr.split(separator: "\n").first?.drop(while: { $0 != ":" }), "\(chunk): \(ours.stderr)")
        }
    }

    @Test func aRemovedFunctionSaysSoWhenCalled() async throws {
        for name in ["os.execute", "os.getenv", "io.popen", "package.loadlib", "string.dump", "os.remove", "debug.sethook"] {
            let end = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "-e", "\(name)('x')"])
            #expect(end.status == 1)
            #expect(end.stderr.contains("\(name) is not available under --safe"), "\(end.stderr)")
        }
        let method = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "-e", "local s = (\"x\"):dump()"])
        #expect(method.stderr.contains("(method 'dump'): string.dump is not available under --safe"), "\(method.stderr)")
        // a script's own table without the field: as in Lua, even after reading the removed one
        for chunk in ["local list = {} list:remove(1)", "local t = {}\nlocal has = os.remove\nt.remove()",
                      "local o = {} o.getinfo()", "local s = {} s.dump()"] {
            let own = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "-e", chunk])
            let lua = try await SpawnedProcess.run("/usr/bin/lua5.4", ["-e", chunk])
            #expect(own.status == 1)
            #expect(own.stderr.split(separator: "\n").first?.drop(while: { $0 != ":" })
                    == lua.stderr.split(separator: "\n").first?.drop(while: { $0 != ":" }), "\(own.stderr)")
        }
        let test = try await SpawnedProcess.run(Binary.b24lua, ["--safe", "-e", "if os.execute then os.execute('true') else print('no execute') end"])
        #expect(test.status == 0 && test.stdout == "no execute\n", "\(test.stderr)")
    }
}

/// Under --safe, `arg` holds the script and its own arguments only: no b24lua option, and so
/// no webhook URL, code or file name, reaches a script someone else wrote.
@Suite struct SafeArgTests {
    static let code = "S4feArgC0de91"

    static let dump = """
        local keys = {}
        for k in pairs(arg) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do print(k, arg[k]) end
        print("varargs", ...)
        """

    @Test func argHoldsNoOptionValue() async throws {
        let dir = try Binary.temporaryDirectory()
        let script = dir.appendingPathComponent("show.lua")
        try Self.dump.write(to: script, atomically: true, encoding: .utf8)
        let hook = dir.appendingPathComponent("hook")
        try "https://portal.example.bitrix24.ru/rest/7/\(Self.code)/\n".write(to: hook, atomically: true, encoding: .utf8)
        chmod(hook.path, 0o600)
        let journal = dir.appendingPathComponent("journal-\(Self.code).jsonl").path
        let allowed = dir.appendingPathComponent("allowed-\(Self.code)")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        let portal = [
            ["--webhook", "https://portal.example.bitrix24.ru/rest/7/\(Self.code)/"],
            ["--webhook-file", hook.path],
        ]
        for choice in portal {
            let options = choice + ["--safe", "--journal", journal, "--allow-read", allowed.path, "--timeout", "30",
                                    "--max-memory", "64", "--quiet"]
            let end = try await SpawnedProcess.run(Binary.b24lua, options + [script.path, "one", "two"])
            #expect(end.status == 0, "\(end.stderr)")
            #expect(end.stdout == "0\t\(script.path)\n1\tone\n2\ttwo\nvarargs\tone\ttwo\n", "\(end.stdout)")
            for secret in [Self.code, hook.path, "--", "webhook", "journal"] {
                #expect(!end.stdout.contains(secret), "\(secret) reached the script: \(end.stdout)")
            }
        }
        let noScript = try await SpawnedProcess.run(Binary.b24lua, portal[0] + ["--safe", "-e", Self.dump])
        #expect(noScript.status == 0, "\(noScript.stderr)")
        #expect(!noScript.stdout.contains(Self.code) && !noScript.stdout.contains("--"), "\(noScript.stdout)")
        #expect(noScript.stdout.hasPrefix("0\t") && noScript.stdout.split(separator: "\n").count == 2, "\(noScript.stdout)")
    }

    @Test func withoutSafeArgIsAsInLua() async throws {
        let dir = try Binary.temporaryDirectory()
        let script = dir.appendingPathComponent("show.lua")
        try "print(arg[-1], arg[0] == ..., arg[1])".write(to: script, atomically: true, encoding: .utf8)
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--quiet", script.path, script.path])
        #expect(end.stdout == "--quiet\ttrue\t\(script.path)\n", "\(end.stdout) \(end.stderr)")
    }
}
