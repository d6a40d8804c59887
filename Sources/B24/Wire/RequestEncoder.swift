import B24Wire

// A REST call as a `WireRequest`: POST with a JSON body (the form the portal decodes most
// faithfully: types and order kept), the webhook code in the path or the OAuth token in `auth`.

enum RequestEncoder {
    static let headers: [(name: String, value: String)] = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("User-Agent", HTTPTransport.userAgent),
    ]

    /// `asValue`: the body stays a value (`WireRequest.json`) for a transport that carries values.
    static func request(method: String, params: JSONValue, portal: PortalConfig, accessToken: String?,
                        asValue: Bool = false) -> WireRequest {
        var body = params.objectValue ?? JSONObject()
        let path: String
        switch portal {
        case .webhook(let w):
            path = w.pathPrefix + method
        case .oauth(let o):
            path = "\(o.endpoint.basePath)/rest/\(method)"
            body["auth"] = .string(accessToken ?? o.tokens.accessToken)
        }
        let json = JSONValue.object(body)
        return WireRequest(method: "POST", path: path, headers: headers, body: asValue ? [] : json.serializedBytes(),
                           json: asValue ? Optional(json) : nil,  // a bare nil would be JSON null
                           fromLoopback: portal.endpoint.isLoopback)
    }

    /// The token server's refresh request (docs/bitrix24-rest.md §6): a GET with all four parameters.
    static func refresh(oauthURL: String, clientId: String, clientSecret: String, refreshToken: String)
        throws(B24Error) -> (Endpoint, WireRequest)
    {
        let (endpoint, path, query) = try Endpoint.parse(oauthURL)
        let params: JSONValue = .object([
            "grant_type": "refresh_token", "client_id": .string(clientId),
            "client_secret": .string(clientSecret), "refresh_token": .string(refreshToken),
        ])
        var q = PHPQueryEncoder.encode(params)
        if !query.isEmpty { q = query + "&" + q }
        let request = WireRequest(method: "GET", path: path.isEmpty ? "/" : path, query: q,
                                  headers: [("Accept", "application/json"), ("User-Agent", HTTPTransport.userAgent)],
                                  fromLoopback: endpoint.isLoopback)
        return (endpoint, request)
    }

    /// Method names are letters, digits, dots and underscores; anything else would change the path.
    static func validMethodName(_ method: String) -> Bool {
        !method.isEmpty && method.utf8.count <= 200
            && method.allUTF8Bytes { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x5F
            }
    }
}
