import B24Wire

/// OAuth tokens the portal has issued. Access tokens expire after the TTL on the injected clock;
/// a refresh token is good for one refresh (it is replaced, as the real server rotates it).
struct TokenStore {
    struct Access {
        var clientID: String
        var user: Int64
        var scopes: [String]
        var expiresAt: Double
    }

    var access: [String: Access] = [:]
    var refresh: [String: String] = [:]   // refresh token → client id
    private var counter = 0

    init(apps: [SandboxApp], now: Double, ttl: Double) {
        for a in apps {
            access[a.accessToken] = Access(clientID: a.clientID, user: a.user, scopes: a.scopes, expiresAt: now + ttl)
            refresh[a.refreshToken] = a.clientID
        }
    }

    /// The new pair for a valid `grant_type=refresh_token` request.
    mutating func refresh(clientID: String, secret: String, refreshToken: String, apps: [SandboxApp], now: Double,
                          ttl: Double) throws(PortalError) -> (access: String, refresh: String, app: SandboxApp) {
        guard let app = apps.first(where: { $0.clientID == clientID }), app.clientSecret == secret else {
            throw .oauthInvalidClient
        }
        guard refresh[refreshToken] == clientID else { throw .oauthInvalidGrant }
        refresh[refreshToken] = nil
        counter += 1
        let salt = UInt64.random(in: 0...UInt64.max)
        let a = "sbx\(counter)a" + String(salt, radix: 16)
        let r = "sbx\(counter)r" + String(salt ^ 0x5bd1_e995_5bd1_e995, radix: 16)
        access[a] = Access(clientID: clientID, user: app.user, scopes: app.scopes, expiresAt: now + ttl)
        refresh[r] = clientID
        return (a, r, app)
    }
}
