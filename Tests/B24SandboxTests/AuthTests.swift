import B24
import B24Wire
import B24Sandbox
import Hummingbird
import Testing

@Suite struct AuthTests {
    let seed: JSONValue = ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205]

    @Test func webhookFailures() async throws {
        try await LiveSandbox.with { live in
            try await live.call("imopenlines.crm.chat.get", seed, code: "wrong")
                .expectError(401, "INVALID_CREDENTIALS", "Invalid request credentials")
            try await live.call("imopenlines.crm.chat.get", seed, user: 503)
                .expectError(401, "INVALID_CREDENTIALS", "Invalid request credentials")
            try await live.call("imopenlines.crm.chat.get", seed, user: 507, code: "sandbox507crm")
                .expectError(401, "insufficient_scope",
                             "The request requires higher privileges than provided by the webhook token")
            try await live.call("no.such.method", seed).expectError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
            try await live.send(.post, "/rest/imopenlines.crm.chat.get", body: seed.serialized())
                .expectError(401, "NO_AUTH_FOUND", "Wrong authorization data")
            try await live.send(.post, "/rest/user.current", body: #"{"auth":"bogus"}"#)
                .expectError(401, "NO_AUTH_FOUND", "Wrong authorization data")
            // The crm-only webhook still reaches crm.* methods.
            let lead = try await live.call("crm.lead.get", ["id": 1205], user: 507, code: "sandbox507crm")
            lead.expectError(403, "", "Access denied")
        }
    }

    @Test func oauthTokenInBodyQueryOrBearerThenExpiryAndRefresh() async throws {
        let clock = ManualSandboxClock()
        let portal = SandboxPortal(options: SandboxOptions(plan: .unlimited, tokenTTL: 3600), clock: clock)
        try await LiveSandbox.with(portal) { live in
            let token = "sandbox-access-token"
            #expect(try await live.send(.post, "/rest/user.current", body: #"{"auth":"\#(token)"}"#).result?["ID"] == "1")
            #expect(try await live.send(.get, "/rest/user.current.json?auth=\(token)", contentType: nil).status == 200)
            let bearer = try await live.send(.get, "/rest/user.current", contentType: nil,
                                             headers: [.authorization: "Bearer \(token)"])
            #expect(bearer.status == 200)

            clock.advance(by: 3600)
            try await live.send(.post, "/rest/user.current", body: #"{"auth":"\#(token)"}"#)
                .expectError(401, "expired_token", "The access token provided has expired")

            let refresh = try await live.send(
                .get, "/oauth/token/?grant_type=refresh_token&client_id=local.sandbox.app&client_secret=sandbox-app-secret"
                    + "&refresh_token=sandbox-refresh-token", contentType: nil)
            #expect(refresh.status == 200)
            let json = try #require(refresh.json)
            let fresh = try #require(json["access_token"]?.stringValue)
            #expect(json["expires_in"] == 3600)
            #expect(json["client_endpoint"]?.stringValue == "http://127.0.0.1:\(live.server.port)/rest/")
            #expect(json["scope"] == "imopenlines,crm,user,im")
            #expect(json["refresh_token"]?.stringValue != "sandbox-refresh-token")
            #expect(try await live.send(.post, "/rest/user.current", body: #"{"auth":"\#(fresh)"}"#).status == 200)

            // A refresh token is good once; a wrong secret is an invalid client.
            let reused = try await live.send(
                .get, "/oauth/token/?grant_type=refresh_token&client_id=local.sandbox.app&client_secret=sandbox-app-secret"
                    + "&refresh_token=sandbox-refresh-token", contentType: nil)
            #expect(reused.status == 400 && reused.error == "invalid_grant")
            let badClient = try await live.send(
                .get, "/oauth/token/?grant_type=refresh_token&client_id=local.sandbox.app&client_secret=nope"
                    + "&refresh_token=x", contentType: nil)
            #expect(badClient.status == 401 && badClient.error == "invalid_client")
        }
    }
}
