import B24
import B24Sandbox
import Testing

@Suite struct SeedExampleTests {
    // The seed's curl example, verbatim apart from address and code.
    @Test func seedDeleteAnswersChatThenWrongRequest() async throws {
        try await LiveSandbox.with { live in
            let body = #"{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":1205,"USER_ID":503,"CHAT_ID":1763}"#
            let path = "/rest/1/\(SandboxDataSet.defaultWebhookCode)/imopenlines.crm.chat.user.delete"
            let first = try await live.send(.post, path, body: body)
            #expect(first.status == 200)
            #expect(first.contentType == "application/json; charset=utf-8")
            #expect(first.result == 1763)
            #expect(first.text.hasPrefix(#"{"result":1763,"time":{"#))
            let time = try #require(first.json?["time"])
            for key in ["start", "finish", "duration", "processing", "date_start", "date_finish", "operating_reset_at",
                        "operating"] {
                #expect(time[key] != nil, "time.\(key)")
            }
            #expect(live.portal.members(ofChat: 1763) == [1, 506])

            let again = try await live.send(.post, path, body: body)
            again.expectError(400, "WRONG_REQUEST", "You don't have access or user already not in chat")
        }
    }

    @Test func webhookURLIsPrinted() async throws {
        try await LiveSandbox.with { live in
            #expect(live.server.webhookURL == "http://127.0.0.1:\(live.server.port)/rest/1/sandbox1admin/")
            #expect(live.server.baseURL == "http://127.0.0.1:\(live.server.port)")
        }
    }
}
