import Testing
@testable import B24
@testable import B24Wire

@Suite struct EnvelopeTests {
    func decode(_ status: Int, _ body: String) -> Result<RESTResponse, B24Error> {
        Envelope.decode(WireResponse(status: status, body: Array(body.utf8)), method: "user.get")
    }

    @Test func success() throws {
        let r = try decode(200, #"{"result":[{"ID":"1"}],"total":120,"next":50,"time":{"start":1.5,"operating":0.2}}"#).get()
        #expect(r.result == [["ID": "1"]])
        #expect(r.total == 120)
        #expect(r.next == 50)
        #expect(r.time?["operating"] == 0.2)
        #expect(r.envelope["total"] == 120)
    }

    @Test func errorBody() {
        let body = #"{"error":"ERROR_ARGUMENT","error_description":"The value of an argument 'CRM_ENTITY' has an invalid type","argument":"CRM_ENTITY"}"#
        guard case .failure(let e) = decode(400, body) else { Issue.record("expected failure"); return }
        #expect(e.code == "ERROR_ARGUMENT")
        #expect(e.kind == .argument)
        #expect(e.argument == "CRM_ENTITY")
        #expect(e.status == 400)
        #expect(e.method == "user.get")
    }

    @Test func htmlTruncatedEmptyAndShapelessBodiesAreBadResponses() {
        let cases: [(Int, String, String)] = [
            (502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "502 Bad Gateway"),
            (200, #"{"result":[1,2"#, "not JSON"),
            (200, "", "empty body"),
            (200, #"{"answer":1}"#, "no `result`"),
            (500, #"{"result":1}"#, "without an error code"),
        ]
        for (status, body, fragment) in cases {
            guard case .failure(let e) = decode(status, body) else { Issue.record("expected failure for \(body)"); continue }
            #expect(e.code == "BAD_RESPONSE")
            #expect(e.kind == .protocol)
            #expect(e.status == status)
            #expect(e.message.contains(fragment), "\(e.message)")
            #expect(e.message.count < 200)
        }
    }

    @Test func emptyErrorCodeKeepsTheStatusMapping() {
        guard case .failure(let e) = decode(404, #"{"error":"","error_description":"Not found"}"#) else { return }
        #expect(e.message == "Not found")
        #expect(e.kind == .argument)
    }

    @Test func batchSubMapsAsArraysOrObjects() throws {
        let result = try JSONValue.parse(#"{"result":{"a":5,"b":[1]},"result_error":[],"result_total":{"b":70},"result_next":{"b":50},"result_time":[]}"#)
        let chunk = [BatchCommand(key: "a", method: "im.chat.user.list"), BatchCommand(key: "b", method: "user.get")]
        let outcomes = try BatchReply(result).outcomes(for: chunk, halt: false, retried: false)
        #expect(outcomes[0] == .success(RESTResponse(result: 5)))
        #expect(outcomes[1] == .success(RESTResponse(result: [1], total: 70, next: 50)))

        let listKeyed = try JSONValue.parse(#"{"result":[7],"result_error":{"1":{"error":"ACCESS_DENIED","error_description":"no"}},"result_total":{},"result_next":{},"result_time":{}}"#)
        let numbered = [BatchCommand(key: "0", method: "user.get"), BatchCommand(key: "1", method: "user.get")]
        let o2 = try BatchReply(listKeyed).outcomes(for: numbered, halt: false, retried: false)
        #expect(o2[0] == .success(RESTResponse(result: 7)))
        guard case .failure(let e) = o2[1] else { Issue.record("expected failure"); return }
        #expect(e.kind == .access)
    }
}
