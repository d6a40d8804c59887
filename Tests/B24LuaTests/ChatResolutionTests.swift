import B24
import B24Wire
import B24Sandbox
import LuaHost
import Testing

/// "The chat named, else the entity's last chat" is one function (`ResultResolution.chat`):
/// a direct call and `b24.each` whose write is confirmed on a retry ("already so" after a
/// dropped answer), and the dry run of both, give the same chat (docs/method-catalog.md). Undo
/// reads the same function for the chats its journal does not name.
@Suite struct ChatResolutionTests {
    /// The next request is applied and its answer dropped: the client sends it again and the
    /// portal answers WRONG_REQUEST ("already so").
    func dropTheNextAnswer(_ portal: SandboxPortal) async {
        let body = JSONValue.object(["faults": .array([.object(["drop": "after"])])]).serializedBytes()
        let r = await portal.handle(WireRequest(method: "POST", path: "/_sandbox/faults",
                                                headers: [("Content-Type", "application/json")], body: body))
        #expect(r.status == 200)
    }

    static func call(_ user: Int, _ named: Bool) -> String {
        "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = \(user)\(named ? ", chat = 1763" : "")}"
    }

    @Test(arguments: [false, true])
    func directCallsEachAndTheDryRunAgree(named: Bool) async throws {
        let users = [503, 506]
        // Direct calls, each confirmed on a retry.
        let direct = try InProcessModule()
        var directChats: [LuaValue] = []
        for user in users {
            await dropTheNextAnswer(direct.portal)
            let r = try await direct.run("local r = \(Self.call(user, named)) return r")
            directChats.append(try #require(r.first))
        }
        // b24.each: both writes in one batch, confirmed on its retry.
        let each = try InProcessModule()
        await dropTheNextAnswer(each.portal)
        let batched = try await each.run("""
            local got = {}
            local report = b24.each({\(users.map(String.init).joined(separator: ", "))}, function(user)
              got[user] = \(Self.call(0, named).replacingOccurrences(of: "user = 0", with: "user = user"))
            end)
            assert(report.ok == 2, #report.failed)
            return got[\(users[0])], got[\(users[1])]
            """)
        // The dry run of both.
        let dry = try InProcessModule(dryRun: true)
        let dryDirect = try await dry.run("return \(Self.call(users[0], named)), \(Self.call(users[1], named))")
        let dryEach = try await dry.run("""
            local got = {}
            b24.each({\(users.map(String.init).joined(separator: ", "))}, function(user)
              got[user] = \(Self.call(0, named).replacingOccurrences(of: "user = 0", with: "user = user"))
            end)
            return got[\(users[0])], got[\(users[1])]
            """)

        let expected: [LuaValue] = [.integer(1763), .integer(1763)]
        #expect(directChats == expected)
        #expect(batched == expected, "b24.each, confirmed on a retry")
        #expect(dryDirect == expected)
        #expect(dryEach == expected)
        #expect(direct.portal.members(ofChat: 1763)?.contains(506) == false)
        #expect(each.portal.members(ofChat: 1763)?.contains(503) == false)
    }
}
