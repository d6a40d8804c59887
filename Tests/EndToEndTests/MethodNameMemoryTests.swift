import Foundation
import Testing

/// The `b24` module keeps the last few method names it read, to reuse them (docs/performance.md
/// "The in-process call"). What it keeps is Swift memory, outside --max-memory: a name no
/// method can have (longer than any valid one) must not stay behind after its call.
@Suite struct MethodNameMemoryTests {
    @Test func longMethodNamesAreNotKeptAfterTheirCalls() async throws {
        let script = """
            local function rss()
              for l in io.lines("/proc/self/status") do
                local v = l:match("^VmRSS:%s+(%d+)")
                if v then return tonumber(v) end
              end
            end
            pcall(b24.call, "user.current")
            collectgarbage()
            local before = rss()
            for i = 1, 4 do
              local s = string.rep(string.char(64 + i), 6 << 20)
              assert(not pcall(b24.call, s))
              s = nil
              collectgarbage(); collectgarbage()
            end
            print(rss() - before)
            """
        let end = try await SpawnedProcess.run(Binary.b24lua, ["--sandbox", "--plan", "unlimited", "--max-memory", "32", "-e", script],
                                               limit: 120)
        #expect(end.signal == nil, "\(end.stderr)")
        #expect(end.status == 0, "\(end.stderr)")
        let grownKiB = Int(end.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max
        // Four 6 MiB names kept twice over (bytes and string) are 48 MiB and more; what the
        // allocator keeps of freed memory (a name or two, about 12 MiB here) stays below one
        // limit's worth.
        #expect(grownKiB < 32 * 1024, "resident memory grew by \(grownKiB) KiB over the calls")
    }
}
