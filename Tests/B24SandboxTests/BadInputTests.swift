import B24
import B24Wire
import B24Sandbox
import Testing

@Suite struct BadInputTests {
    @Test func malformedBodiesGetThePortalsErrorShape() async throws {
        let options = SandboxOptions(plan: .unlimited, maxBodyBytes: 1024)
        try await LiveSandbox.with(SandboxPortal(options: options)) { live in
            let path = "/rest/1/\(SandboxDataSet.defaultWebhookCode)/imopenlines.crm.chat.user.delete"
            try await live.send(.post, path, body: #"{"USER_ID": 503,"#).expectError(400, "ERROR_ARGUMENT", "Syntax error")
            try await live.send(.post, path, body: String(repeating: "x", count: 5000))
                .expectError(413, "ERROR_ARGUMENT", "Request body is too large")
            try await live.send(.post, path, body: #"{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":"12abc","USER_ID":"503"}"#)
                .expectError(400, "ERROR_ARGUMENT", "The value of an argument 'CRM_ENTITY' has an invalid type")
            try await live.send(.post, path, body: #"{"USER_ID":"x","UNKNOWN":[1,{"a":null}]}"#)
                .expectError(400, "CRM_CHAT_EMPTY_USER", "Empty User ID")
            try await live.send(.post, path, body: "[1,2,3]").expectError(400, "CRM_CHAT_EMPTY_USER", "Empty User ID")
        }
    }

    /// Random bodies, content types and paths straight at the handler: every answer is JSON in the
    /// portal's shape (or a success envelope), with a real status; nothing crashes.
    @Test func tenThousandRandomBodies() async throws {
        var rng = SplitMix(seed: 0x5eed)
        let portal = SandboxPortal(options: .unlimited)
        let methods = ["imopenlines.crm.chat.user.delete", "imopenlines.crm.chat.user.add", "imopenlines.crm.chat.get",
                       "imopenlines.crm.chat.getLastId", "batch", "user.get", "user.search", "crm.item.list",
                       "crm.item.get", "im.chat.user.list", "crm.lead.get", "nope"]
        let types = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=a",
                     "text/plain", ""]
        let pieces = ["{", "}", "[", "]", "\"", ":", ",", "CRM_ENTITY", "USER_ID", "CHAT_ID", "cmd", "halt", "$result[",
                      "1205", "-1", "1e308", "null", "true", "=", "&", "%", "[]", "\\u00", "é", "\u{0}", "FILTER", "start"]
        for _ in 0..<10_000 {
            var body: [UInt8] = []
            if rng.next() % 2 == 0 {
                for _ in 0..<(rng.next() % 40) { body += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8) }
            } else {
                for _ in 0..<(rng.next() % 64) { body.append(UInt8(truncatingIfNeeded: rng.next())) }
            }
            let method = methods[Int(rng.next() % UInt64(methods.count))]
            let type = types[Int(rng.next() % UInt64(types.count))]
            let request = WireRequest(method: "POST", path: "/rest/1/\(SandboxDataSet.defaultWebhookCode)/\(method)",
                                      query: rng.next() % 4 == 0 ? String(decoding: body, as: UTF8.self) : "",
                                      headers: type.isEmpty ? [] : [("Content-Type", type)], body: body)
            let answer = await portal.handle(request)
            let json = try JSONValue.parse(answer.body)
            #expect((200...599).contains(answer.status))
            if answer.status == 200 {
                #expect(json["result"] != nil && json["time"] != nil)
            } else {
                #expect(json["error"]?.stringValue != nil && json["error_description"]?.stringValue != nil)
            }
            portal.reset()
        }
    }
}
