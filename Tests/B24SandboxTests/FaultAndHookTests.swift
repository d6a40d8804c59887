import B24
import B24Wire
import B24Sandbox
import Testing

@Suite struct FaultAndHookTests {
    static let delete = "imopenlines.crm.chat.user.delete"
    static let seed: JSONValue = ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1763]

    @Test func queuedFaultsHitInOrderAndOnlyTheirMethod() async throws {
        try await LiveSandbox.with { live in
            let queued = try await live.send(.post, "/_sandbox/faults", body: """
                {"faults":[{"status":503,"error":"QUERY_LIMIT_EXCEEDED"},{"status":500},
                           {"status":502,"body":"<html>Bad gateway</html>"}],
                 "method":"imopenlines.crm.chat.user.delete"}
                """)
            #expect(queued.result?["queued"] == 3)
            #expect(try await live.call("user.current").status == 200)   // other methods are not affected
            try await live.call(Self.delete, Self.seed).expectError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
            try await live.call(Self.delete, Self.seed).expectError(500, "INTERNAL_SERVER_ERROR", "Internal server error")
            let html = try await live.call(Self.delete, Self.seed)
            #expect(html.status == 502 && html.text.hasPrefix("<html>"))
            #expect(live.portal.members(ofChat: 1763) == [1, 503, 506])   // none of them applied
            #expect(try await live.call(Self.delete, Self.seed).result == 1763)
        }
    }

    @Test func droppedConnectionBeforeAndAfterApplying() async throws {
        try await LiveSandbox.with { live in
            _ = try await live.send(.post, "/_sandbox/faults", body: #"{"faults":[{"drop":true},{"drop":"after"}]}"#)
            await #expect(throws: (any Error).self) { try await live.call(Self.delete, Self.seed) }
            #expect(live.portal.members(ofChat: 1763) == [1, 503, 506])   // dropped before: not applied
            await #expect(throws: (any Error).self) { try await live.call(Self.delete, Self.seed) }
            #expect(live.portal.members(ofChat: 1763) == [1, 506])        // dropped after: applied
            try await live.call(Self.delete, Self.seed)
                .expectError(400, "WRONG_REQUEST", "You don't have access or user already not in chat")
        }
    }

    @Test func stateStatsAndReset() async throws {
        try await LiveSandbox.with { live in
            _ = try await live.call(Self.delete, Self.seed)
            _ = try await live.call(Self.delete, Self.seed)
            let state = try #require(try await live.send(.get, "/_sandbox/state", contentType: nil).json)
            #expect(state["stats"]?["requests"] == 2)
            #expect(state["stats"]?["by_status"] == ["200": 1, "400": 1])
            #expect(state["stats"]?["by_method"] == [Self.delete: 2])
            let chat = state["chats"]?.arrayValue?.first { $0["id"] == 1763 }
            #expect(chat?["members"] == [1, 506])

            #expect(try await live.send(.post, "/_sandbox/reset").result == true)
            #expect(live.portal.members(ofChat: 1763) == [1, 503, 506])
            #expect(live.portal.stateJSON()["stats"]?["requests"] == 0)

            // A fixture body replaces the data set.
            let fixture = #"{"users":[{"id":7,"name":"Solo","admin":true}],"webhooks":[{"user":7,"code":"k","scopes":["user"]}]}"#
            #expect(try await live.send(.post, "/_sandbox/reset", body: fixture).status == 200)
            #expect(try await live.call("user.current", user: 7, code: "k").result?["ID"] == "7")
        }
    }

    @Test func hooksAnswerLoopbackOnly() async {
        let portal = SandboxPortal(options: .unlimited)
        let remote = await portal.handle(WireRequest(method: "GET", path: "/_sandbox/state", fromLoopback: false))
        #expect(remote.status == 404)
        let local = await portal.handle(WireRequest(method: "GET", path: "/_sandbox/state"))
        #expect(local.status == 200)
    }

    @Test func randomFaultsAtRateOne() async {
        let portal = SandboxPortal(options: SandboxOptions(plan: .unlimited, faultRate: 1))
        var kinds = Set<String>()
        for _ in 0..<200 {
            let r = await portal.handle(WireRequest(method: "POST", path: "/rest/1/sandbox1admin/user.current"))
            kinds.insert(r.dropConnection ? "drop" : String(r.status))
        }
        #expect(kinds == ["500", "503", "drop"])
    }
}
