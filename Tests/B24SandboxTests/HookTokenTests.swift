import B24
import B24Wire
import B24Sandbox
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/_sandbox/*` answers loopback peers of a loopback server, and on any other bind only the
/// token printed at start: a peer that merely looks local is not enough (docs/sandbox-wire.md).
@Suite struct HookTokenTests {
    func get(_ port: Int, _ path: String, token: String? = nil) async throws -> (Int, String) {
        var headers: HTTPFields = [:]
        if let token { headers[HTTPFields.Element.Name(SandboxServer.hooksTokenHeader)!] = token }
        let request = TestClient.Request(path, method: .get, authority: "127.0.0.1:\(port)", headers: headers)
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port) { try await $0.execute(request) }
        return (Int(response.status.code), response.body.map { String(buffer: $0) } ?? "")
    }

    @Test func loopbackBindNeedsNoToken() async throws {
        let server = try await SandboxServer.start(portal: SandboxPortal(options: .unlimited), host: "127.0.0.1", port: 0, ownThread: true)
        defer { Task { await server.stop() } }
        #expect(server.hooksToken == nil)
        let (status, _) = try await get(server.port, "/_sandbox/state")
        #expect(status == 200)
        await server.stop()
    }

    @Test func anyOtherBindAsksForTheToken() async throws {
        let server = try await SandboxServer.start(portal: SandboxPortal(options: .unlimited), host: "0.0.0.0", port: 0, ownThread: true)
        let token = try #require(server.hooksToken)
        #expect(token.count == 64)
        for offered in [nil, "", "wrong", String(token.dropLast()), token + "0"] {
            let (status, body) = try await get(server.port, "/_sandbox/state", token: offered)
            #expect(status == 404, "\(offered ?? "none")")
            let json = try JSONValue.parse(body)
            #expect(json["error"] == "NOT_FOUND")
            #expect(json["stats"] == nil)
        }
        let (status, body) = try await get(server.port, "/_sandbox/state", token: token)
        #expect(status == 200)
        #expect(try JSONValue.parse(body)["stats"] != nil)
        // The REST side does not care about the token.
        let (rest, _) = try await get(server.port, "/rest/1/\(SandboxDataSet.defaultWebhookCode)/user.current")
        #expect(rest == 200)
        await server.stop()
    }
}
