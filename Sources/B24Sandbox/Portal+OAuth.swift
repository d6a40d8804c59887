import B24Wire

// The OAuth server's token endpoint (docs/bitrix24-rest.md §6), `grant_type=refresh_token` only.
extension SandboxPortal {
    func oauthToken(_ request: WireRequest) -> WireResponse {
        var params = PHPQuery.parse(request.query)
        if let body = try? RESTRequest.bodyParams(request) { for (k, v) in body { params[k] = v } }
        let p = Params(object: params)
        let clientID = p.string("client_id"), secret = p.string("client_secret"), token = p.string("refresh_token")
        func refuse(_ status: Int, _ code: String, _ text: String) -> WireResponse {
            record(Respond.json(status, ["error": .string(code), "error_description": .string(text)]), method: "oauth.token")
        }
        guard p.string("grant_type") == "refresh_token", !clientID.isEmpty, !secret.isEmpty, !token.isEmpty else {
            return refuse(400, "invalid_request", "grant_type=refresh_token, client_id, client_secret and refresh_token are required")
        }
        let now = clock.now()
        let ttl = options.tokenTTL
        let outcome = state.withLock { s in
            Result { () throws(PortalError) in
                (try s.tokens.refresh(clientID: clientID, secret: secret, refreshToken: token, apps: s.data.apps,
                                      now: now, ttl: ttl), s.data.portal)
            }
        }
        switch outcome {
        case .failure(let e): return refuse(e.status, e.code, e.description)
        case .success(let (issued, portal)):
            let host = request.header("Host") ?? portal
            let body: JSONValue = [
                "access_token": .string(issued.access), "expires": .int(Int64(now + ttl)), "expires_in": .int(Int64(ttl)),
                "scope": .string(issued.app.scopes.joined(separator: ",")), "domain": .string(host),
                "server_endpoint": .string("http://\(host)/oauth/"), "status": "L",
                "client_endpoint": .string("http://\(host)/rest/"), "member_id": "5a9d3c0e2b1f4e6a8c7d9b0a1e2f3c4d",
                "user_id": .int(issued.app.user), "refresh_token": .string(issued.refresh),
            ]
            return record(Respond.json(200, body), method: "oauth.token")
        }
    }
}
