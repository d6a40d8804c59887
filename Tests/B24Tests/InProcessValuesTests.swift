import B24
import B24Wire
import B24Sandbox
import Testing

/// In-process, the client hands the sandbox its JSON body as a value and takes the answer as one
/// (docs/performance.md). These tests send the same calls three ways — values in-process, bytes
/// in-process, and HTTP over loopback — to three fresh portals, and want the same answers.
@Suite struct InProcessValuesTests {
    /// The sandbox portal without its value path: every request and answer is encoded.
    struct BytesOnly: WireHandler {
        let portal: SandboxPortal
        func handle(_ request: WireRequest) async -> WireResponse {
            #expect(request.json == nil)
            let r = await portal.handle(request)
            #expect(r.json == nil)
            return r
        }
    }

    /// Values in-process, and a handler that sees them.
    struct ValuesSeen: WireHandler {
        let portal: SandboxPortal
        var acceptsValues: Bool { true }
        func handle(_ request: WireRequest) async -> WireResponse {
            if request.path.hasPrefix("/rest/") {
                #expect(request.json != nil && request.body.isEmpty)
            }
            let r = await portal.handle(request)
            if request.path.hasPrefix("/rest/") && !r.dropConnection {
                #expect(r.json != nil && r.body.isEmpty)
            }
            return r
        }
    }

    static func deep(_ n: Int) -> JSONValue {
        var v: JSONValue = 1
        for _ in 0..<n { v = ["a": v] }
        return v
    }

    /// Calls with every kind of answer: results, lists, writes, REST errors, refused input.
    static let calls: [(String, JSONValue)] = [
        ("user.current", [:]),
        ("imopenlines.crm.chat.getLastId", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205]),
        ("imopenlines.crm.chat.get", ["CRM_ENTITY_TYPE": "LEAD", "CRM_ENTITY": "1205"]),
        ("imopenlines.crm.chat.user.add", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1763]),
        ("imopenlines.crm.chat.user.add", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1763]),
        ("imopenlines.crm.chat.user.delete", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503]),
        ("imopenlines.crm.chat.user.delete", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503]),
        ("imopenlines.crm.chat.user.delete", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": -1, "USER_ID": 1.5]),
        ("imopenlines.crm.chat.getLastId", [:]),
        ("user.get", ["FILTER": [">ID": 1058], "start": 0]),
        ("no.such.method", [:]),
        ("User.Current.json", [:]),
        ("user.current", ["x": "ünïcödé \u{1F600} \"quoted\" \\ slash", "n": 1e300, "f": 0.1, "neg": -9_223_372_036_854_775_808]),
        ("user.current", deep(63)),
        // Past PHP's json_decode depth: refused the same way whether it was parsed or handed over.
        ("user.current", deep(64)),
        ("user.current", deep(200)),
    ]

    func answers(_ transport: any Transport, _ portal: SandboxPortal, endpoint: Endpoint) async throws -> [String] {
        let (user, code) = portal.defaultWebhook
        let client = B24Client(portal: try .webhook("\(endpoint.origin)/rest/\(user)/\(code)/"), transport: transport,
                               plan: .unlimited, retry: .never)
        var out: [String] = []
        for (method, params) in Self.calls {
            do {
                let r = try await client.call(method, params)
                out.append("\(method) ok \(r.result.serialized()) total=\(r.total.map(String.init) ?? "-")")
            } catch {
                out.append("\(method) \(error.code) \(error.status.map(String.init) ?? "-") \(error.message)")
            }
        }
        let batch = try await client.batchRun([
            BatchCommand(key: "a", method: "imopenlines.crm.chat.getLastId", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205]),
            BatchCommand(key: "b", method: "no.such", params: [:]),
        ], halt: false)
        for o in batch.outcomes {
            switch o {
            case .success(let r): out.append("batch ok \(r.result.serialized())")
            case .failure(let e): out.append("batch \(e.code) \(e.message)")
            }
        }
        return out
    }

    @Test func valuesBytesAndHTTPGiveTheSameAnswers() async throws {
        let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: 1)
        let a = SandboxPortal(dataSet: .default, options: .unlimited)
        let values = try await answers(InProcessTransport(handler: ValuesSeen(portal: a)), a, endpoint: endpoint)
        let b = SandboxPortal(dataSet: .default, options: .unlimited)
        let bytes = try await answers(InProcessTransport(handler: BytesOnly(portal: b)), b, endpoint: endpoint)
        let live = try await SandboxHarness.start()
        let http: [String]
        do {
            http = try await answers(live.transport, live.portal, endpoint: live.endpoint)
        } catch {
            await live.stop()
            throw error
        }
        await live.stop()
        #expect(values == bytes)
        #expect(values == http)
        // The answers are not all alike: the list above exercises successes and several errors.
        #expect(Set(values.map { $0.split(separator: " ").dropFirst().first ?? "" }).count >= 4)
        #expect(values.contains { $0.hasPrefix("user.current ERROR_ARGUMENT 400 Syntax error") }, "\(values)")
    }

    @Test func theSandboxPortalTakesValuesAndTheTransportSaysSo() async {
        let portal = SandboxPortal(dataSet: .default, options: .unlimited)
        #expect(InProcessTransport(handler: portal).carriesValues)
        #expect(!InProcessTransport(handler: BytesOnly(portal: portal)).carriesValues)
        let http = HTTPTransport()
        #expect(!http.carriesValues)
        await http.shutdown()
    }

    @Test func timeBlockIsTheSameInEitherForm() async throws {
        let portal = SandboxPortal(dataSet: .default, options: .unlimited)
        let (user, code) = portal.defaultWebhook
        let path = "/rest/\(user)/\(code)/user.current"
        let asValue = await portal.handle(WireRequest(method: "POST", path: path, headers: [("Content-Type", "application/json")],
                                                      json: [:]))
        let asBytes = await portal.handle(WireRequest(method: "POST", path: path, headers: [("Content-Type", "application/json")],
                                                      body: Array("{}".utf8)))
        let t1 = try #require(asValue.json?["time"]?.objectValue)
        let t2 = try #require(try JSONValue.parse(asBytes.body)["time"]?.objectValue)
        #expect(Array(t1.keys) == Array(t2.keys))
        let date = try #require(t1["date_start"]?.stringValue)
        #expect(date.utf8.count == 25 && date.hasSuffix("+00:00") && date.hasPrefix("20"))
    }
}
