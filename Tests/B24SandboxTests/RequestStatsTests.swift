import B24
import B24Sandbox
import B24Wire
import Testing

/// `stats.by_method` of `GET /_sandbox/state`: the method table's own methods are counted by
/// their place in the table, other names by name (docs/performance.md), under one cap.
@Suite struct RequestStatsTests {
    /// Past `RequestStats.maxMethods` (256) distinct names, new ones are counted under
    /// "(other)": made-up names and the table's methods alike, while a name counted before the
    /// cap keeps its own count.
    @Test func tableMethodsAndMadeUpNamesShareTheCap() async throws {
        let portal = SandboxPortal(options: .unlimited)
        let (user, code) = portal.defaultWebhook
        func call(_ method: String) async {
            _ = await portal.handle(WireRequest(method: "POST", path: "/rest/\(user)/\(code)/\(method)",
                                                headers: [("Content-Type", "application/json")], body: Array("{}".utf8)))
        }
        await call("user.current")                           // 1 distinct name
        for i in 0..<254 { await call("made.up\(i)") }       // 255
        await call("User.Get.json")                          // 256: the cap, counted as user.get
        await call("made.up.late")                           // past it
        await call("crm.lead.get")                           // a table method past it
        await call("made.up0")                               // counted before: its own count
        await call("user.current")
        let byMethod = try #require(portal.stateJSON()["stats"]?["by_method"]?.objectValue)
        #expect(byMethod.count == 257)
        #expect(byMethod["user.current"] == 2)
        #expect(byMethod["user.get"] == 1)
        #expect(byMethod["made.up0"] == 2)
        #expect(byMethod["made.up253"] == 1)
        #expect(byMethod["(other)"] == 2)
        #expect(byMethod["made.up.late"] == nil && byMethod["crm.lead.get"] == nil)
        #expect(byMethod.keys == byMethod.keys.sorted())
        #expect(portal.stateJSON()["stats"]?["requests"] == 260)
    }

    /// A reset forgets the counts, the table's methods included.
    @Test func resetForgetsTableMethods() async throws {
        let portal = SandboxPortal(options: .unlimited)
        let (user, code) = portal.defaultWebhook
        let request = WireRequest(method: "POST", path: "/rest/\(user)/\(code)/user.current",
                                  headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        _ = await portal.handle(request)
        portal.reset()
        _ = await portal.handle(request)
        #expect(portal.stateJSON()["stats"]?["by_method"] == ["user.current": 1])
    }
}
