import Foundation
import Testing

/// A table DAG of 22 levels (`t = {t, t}` nested, about 90 KB of Lua memory) handed to b24 as
/// parameters must not expand to 4 M values in Swift memory past --max-memory: the conversion
/// counts what it emits and refuses with a usage error naming the path (docs/lua-host.md,
/// "One walk of a value").
@Suite struct ParameterExpansionTests {
    /// Runs each function of the chunk's `tries`, by name in order, and prints whether it
    /// raised, its code, and whether the refusal is the value budget's.
    static let tryEach = """

        local names = {}
        for name in pairs(tries) do names[#names + 1] = name end
        table.sort(names)
        for _, name in ipairs(names) do
          local ok, e = pcall(tries[name])
          print(name, ok, b24.is_error(e) and e.code, tostring(e):find("holds too many values", 1, true) ~= nil)
        end
        """

    /// Runs `chunk` under `--max-memory 16` and checks that it ends by itself and peaks at most
    /// the limit plus a fixed overhead (8 MiB) above an ordinary call's peak.
    static func runWithinTheLimit(_ chunk: String) async throws -> SpawnedProcess.Ending {
        let baseline = try await SpawnedProcess.run(Binary.b24lua, ["--sandbox", "--max-memory", "16", "-e", "print(b24.call('user.current').ID)"],
                                                    measuringPeakMemory: true)
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--sandbox", "--quiet", "--max-memory", "16", "-e", chunk],
                                               limit: 120, measuringPeakMemory: true)
        #expect(end.signal == nil, "\(end.stderr)")
        #expect(end.status == 0, "\(end.stderr)")
        #expect(end.maxRSSKiB < baseline.maxRSSKiB + 24 * 1024, "peak \(end.maxRSSKiB) KiB vs \(baseline.maxRSSKiB) KiB")
        return end
    }

    static let script = """
        local t = {} for i = 1, 22 do t = {t, t} end
        local tries = {
          call = function() return b24.call("user.get", t) end,
          request = function() return b24.request("user.get", {FILTER = t}) end,
          batch = function() return b24.batch{{"user.get", t}} end,
          -- 15 levels, 65 535 values: one command fits the budget, three share it and do not
          batch_shared = function() local s = t[1][1][1][1][1][1][1]
                                    return b24.batch{{"user.get", {a = s}}, {"user.get", {a = s}}, {"user.get", {a = s}}} end,
          list = function() for _ in b24.list("user.get", {FILTER = t}) do end end,
        }
        """ + tryEach

    @Test func aTableDAGIsRefusedWithinTheMemoryLimit() async throws {
        let end = try await Self.runWithinTheLimit(Self.script)
        #expect(end.stdout == """
            batch\tfalse\tINVALID_ARGUMENT\ttrue
            batch_shared\tfalse\tINVALID_ARGUMENT\ttrue
            call\tfalse\tINVALID_ARGUMENT\ttrue
            list\tfalse\tINVALID_ARGUMENT\ttrue
            request\tfalse\tINVALID_ARGUMENT\ttrue

            """, "\(end.stdout)")
    }

    /// A string is shared in Lua as a table is: one 4 MiB string reached 64 times, as a value or
    /// as a key, is 4 MiB of Lua memory and would be 256 MiB of Swift memory once converted.
    /// Its bytes count against the budget, and a string of legitimate size still goes.
    static let sharedStrings = """
        local s = string.rep("x", 4 << 20)
        local values, keyed = {}, {}
        local k = {[s] = 1}
        for i = 1, 64 do values[i] = s; keyed[i] = k end
        local tries = {
          as_values = function() return b24.call("user.get", {FILTER = values}) end,
          as_keys = function() return b24.call("user.get", {FILTER = keyed}) end,
          batch = function() return b24.batch{{"user.get", {a = s}}, {"user.get", {a = s}}, {"user.get", {a = s}},
                                              {"user.get", {a = s}}, {"user.get", {a = s}}} end,
          one_megabyte = function() return b24.call("user.get", {FILTER = {NAME = string.rep("y", 1 << 20)}}) end,
        }
        """ + tryEach

    @Test func aSharedStringIsCountedNotCopiedPastTheLimit() async throws {
        let end = try await Self.runWithinTheLimit(Self.sharedStrings)
        #expect(end.stdout == """
            as_keys\tfalse\tINVALID_ARGUMENT\ttrue
            as_values\tfalse\tINVALID_ARGUMENT\ttrue
            batch\tfalse\tINVALID_ARGUMENT\ttrue
            one_megabyte\ttrue\tfalse\tfalse

            """, "\(end.stdout)")
    }

    @Test func theRefusalNamesThePath() async throws {
        let chunk = "local t = {} for i = 1, 22 do t = {t, t} end b24.call('user.get', {FILTER = {ID = t}})"
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--sandbox", "--max-memory", "16", "-e", chunk], limit: 120)
        #expect(end.status == 1)
        #expect(end.stderr.contains("INVALID_ARGUMENT"), "\(end.stderr)")
        #expect(end.stderr.contains("params.FILTER.ID["), "\(end.stderr)")
        #expect(end.stderr.contains("holds too many values"), "\(end.stderr)")
    }
}
