import B24
import B24Wire
import B24Sandbox
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A sandbox served over real HTTP on a free loopback port, and a plain HTTP client for it.
struct LiveSandbox {
    let portal: SandboxPortal
    let server: RunningSandbox

    struct Answer {
        var status: Int
        var contentType: String?
        var text: String
        var json: JSONValue? { try? JSONValue.parse(text) }
        var error: String? { json?["error"]?.stringValue }
        var description: String? { json?["error_description"]?.stringValue }
        var result: JSONValue? { json?["result"] }
    }

    /// A bound on a hang, not on speed: hostile bodies take seconds of CPU, and the whole suite
    /// runs in parallel on a busy machine (docs/testing.md).
    static let client = TestClient.Configuration(timeout: .seconds(120))

    static func with<T>(_ portal: SandboxPortal = SandboxPortal(options: .unlimited),
                        _ body: (LiveSandbox) async throws -> T) async throws -> T {
        let server = try await SandboxServer.start(portal: portal, host: "127.0.0.1", port: 0, ownThread: true)
        let live = LiveSandbox(portal: portal, server: server)
        do {
            let value = try await body(live)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    /// One request on a fresh connection (a dropped connection must not poison the next one).
    func send(_ method: HTTPRequest.Method = .post, _ uri: String, body: String? = nil,
              contentType: String? = "application/json", headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let contentType { headers[.contentType] = contentType }
        let request = TestClient.Request(uri, method: method, authority: "127.0.0.1:\(server.port)", headers: headers,
                                         body: body.map { ByteBuffer(string: $0) })
        let response = try await TestClient.withClient(host: "127.0.0.1", port: server.port, configuration: Self.client) { client in
            try await client.execute(request)
        }
        return Answer(status: response.status.code, contentType: response.headers[.contentType],
                      text: response.body.map { String(buffer: $0) } ?? "")
    }

    /// A POST of raw bytes (bodies that are not text: non-UTF-8, binary).
    func sendBytes(_ uri: String, body: [UInt8], contentType: String, headers extra: HTTPFields = [:]) async throws
        -> Answer
    {
        var headers = extra
        headers[.contentType] = contentType
        let request = TestClient.Request(uri, method: .post, authority: "127.0.0.1:\(server.port)", headers: headers,
                                         body: ByteBuffer(bytes: body))
        let response = try await TestClient.withClient(host: "127.0.0.1", port: server.port, configuration: Self.client) { client in
            try await client.execute(request)
        }
        return Answer(status: response.status.code, contentType: response.headers[.contentType],
                      text: response.body.map { String(buffer: $0) } ?? "")
    }

    /// A REST call with a JSON body through a webhook of the default data set.
    func call(_ method: String, _ params: JSONValue = [:], user: Int64 = 1,
              code: String = SandboxDataSet.defaultWebhookCode) async throws -> Answer {
        try await send(.post, "/rest/\(user)/\(code)/\(method)", body: params.serialized())
    }
}

extension LiveSandbox.Answer {
    /// Asserts an error answer: status, code and exact message, and no `time` block.
    func expectError(_ status: Int, _ code: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
        #expect(error == code, "\(text)", sourceLocation: sourceLocation)
        #expect(description == message, "\(text)", sourceLocation: sourceLocation)
        #expect(json?["time"] == nil, sourceLocation: sourceLocation)
        #expect(contentType == "application/json; charset=utf-8", sourceLocation: sourceLocation)
    }
}
