import B24
import B24Wire
import B24Sandbox
import Testing

@Suite struct BatchTests {
    @Test func oneHundredTwentyCommandsGiveFiftyResultsAndSeventyLengthErrors() async throws {
        try await LiveSandbox.with { live in
            var cmd = JSONObject()
            for i in 0..<120 { cmd["c\(i)"] = .string("user.get?ID=\(1001 + i % 60)") }
            let a = try await live.call("batch", ["halt": 0, "cmd": .object(cmd)])
            #expect(a.status == 200)
            let r = try #require(a.result)
            #expect(r["result"]?.objectValue?.count == 50)
            let errors = try #require(r["result_error"]?.objectValue)
            #expect(errors.count == 70)
            #expect(errors.keys.first == "c50")
            #expect(errors["c119"] == ["error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"])
            #expect(r["result_total"]?["c0"] == 1)
            #expect(r["result_time"]?["c49"]?["operating"] != nil)
            #expect(r["result_next"] == [])   // empty sub-maps are PHP's []
            #expect(a.json?["time"] != nil)
        }
    }

    @Test func resultReferencesResolve() async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call("batch", ["cmd": [
                "last": "imopenlines.crm.chat.getLastId?CRM_ENTITY_TYPE=lead&CRM_ENTITY=1205",
                "members": "im.chat.user.list?CHAT_ID=$result[last]",
                "bot": "imopenlines.crm.chat.user.delete?CRM_ENTITY_TYPE=lead&CRM_ENTITY=1205&CHAT_ID=$result[last]&USER_ID=$result[members][2]",
                "users": "user.get?FILTER[ID][]=1&FILTER[ID][]=503",
                "who": "user.get?ID=$result[users][1][ID]",
            ]])
            let r = try #require(a.result)
            #expect(r["result_error"] == [], "\(a.text)")
            #expect(r["result"]?["last"] == 1763)
            #expect(r["result"]?["members"] == [1, 503, 506])
            #expect(r["result"]?["bot"] == 1763)
            #expect(r["result"]?["who"]?[0]?["ID"] == "503")
            #expect(live.portal.members(ofChat: 1763) == [1, 503])
        }
    }

    @Test func arrayCommandsHaltNestedBatchAndScopes() async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call("batch", ["halt": true, "cmd": [
                "user.current", "batch?cmd[0]=user.current", "user.current",
            ]])
            let r = try #require(a.result)
            #expect(r["result"]?[0]?["ID"] == "1")   // keys 0..n-1 print as a JSON array, as PHP does
            #expect(r["result_error"]?["1"] == ["error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
                                                  "error_description": "Method is not allowed for batch usage"])
            #expect(r["result"]?.arrayValue?.count == 1)   // halted after the failure

            let scoped = try await live.call("batch", ["cmd": ["a": "imopenlines.crm.chat.get?CRM_ENTITY_TYPE=lead&CRM_ENTITY=1205",
                                                             "b": "crm.item.get?entityTypeId=1&id=1205",
                                                             "c": "nope.nope"]],
                                             user: 507, code: "sandbox507crm")
            let s = try #require(scoped.result)
            #expect(s["result_error"]?["a"]?["error"] == "insufficient_scope")
            #expect(s["result_error"]?["c"]?["error"] == "ERROR_METHOD_NOT_FOUND")
            #expect(s["result_error"]?["b"]?["error"] == "ACCESS_DENIED")
        }
    }
}
