// How the client reaches a portal: an inbound webhook (the secret is in the path) or an OAuth
// app (the secret is the `auth` token, refreshed on `expired_token`). Every secret is registered
// with `Redaction` the moment it is parsed.

public struct Webhook: Sendable, Equatable {
    public let endpoint: Endpoint
    public let user: String
    public let code: String
    /// `/rest/USER/CODE/`, prefixed by the endpoint's base path: built once, not per request.
    let pathPrefix: String

    init(endpoint: Endpoint, user: String, code: String) {
        self.endpoint = endpoint; self.user = user; self.code = code
        pathPrefix = "\(endpoint.basePath)/rest/\(user)/\(code)/"
    }
}

public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String

    public init(accessToken: String, refreshToken: String) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }
}

public struct OAuthCredentials: Sendable {
    public static let defaultOAuthURL = "https://oauth.bitrix.info/oauth/token/"

    public var endpoint: Endpoint
    public var tokens: OAuthTokens
    public var clientId: String
    public var clientSecret: String
    public var oauthURL: String
    /// Called with every refreshed pair, so the caller can persist it (the refresh token changes).
    public var onTokensRefreshed: (@Sendable (OAuthTokens) -> Void)?
    /// Where the current pair is cached and refreshes are serialised across processes
    /// (docs/shared-limit.md, "Tokens"); nil: this process alone.
    public var tokenFile: TokenFile?

    /// `portal` is `https://host` or a bare host name (https assumed).
    public init(portal: String, accessToken: String, refreshToken: String, clientId: String, clientSecret: String,
                oauthURL: String? = nil,
                onTokensRefreshed: (@Sendable (OAuthTokens) -> Void)? = nil) throws(B24Error) {
        let url = portal.contains("://") ? portal : "https://\(portal)"
        let (endpoint, path, _) = try Endpoint.parse(url)
        var e = endpoint
        e.basePath = path.hasSuffix("/") ? String(path.dropLast()) : path
        if e.basePath.hasSuffix("/rest") { e.basePath.removeLast(5) }
        let oauth = oauthURL ?? Self.defaultOAuthURL
        _ = try Endpoint.parse(oauth)  // the same transport rules apply to the token server
        for secret in [accessToken, refreshToken, clientSecret] { Redaction.register(secret) }
        self.endpoint = e
        self.tokens = OAuthTokens(accessToken: accessToken, refreshToken: refreshToken)
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.oauthURL = oauth
        self.onTokensRefreshed = onTokensRefreshed
    }
}

public enum PortalConfig: Sendable {
    case webhook(Webhook)
    case oauth(OAuthCredentials)

    /// Parses `https://HOST/rest/USER/CODE/`; a trailing method name, a missing final slash and
    /// a folder before `/rest/` are tolerated. CONFIG_ERROR before any connection otherwise.
    public static func webhook(_ string: String) throws(B24Error) -> PortalConfig {
        let (endpoint, path, _) = try Endpoint.parse(string)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let restIndex = parts.firstIndex(of: "rest") else {
            throw .configError("not a webhook URL (expected https://HOST/rest/USER/CODE/): \(Redaction.redact(url: string))")
        }
        guard parts.count >= restIndex + 3 else {
            throw .configError("webhook URL lacks the user id or the code: \(Redaction.redact(url: string))")
        }
        let user = String(parts[restIndex + 1])
        let code = String(parts[restIndex + 2])
        guard !user.isEmpty, user.allSatisfy(\.isNumber) else {
            throw .configError("webhook user id must be a number: \(Redaction.redact(url: string))")
        }
        guard code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !code.contains(".") else {
            throw .configError("webhook code has unexpected characters: \(Redaction.redact(url: string))")
        }
        Redaction.register(code)
        var e = endpoint
        e.basePath = parts[..<restIndex].map { "/" + $0 }.joined()
        return .webhook(Webhook(endpoint: e, user: user, code: code))
    }

    public var endpoint: Endpoint {
        switch self {
        case .webhook(let w): w.endpoint
        case .oauth(let o): o.endpoint
        }
    }

    /// The portal's host, for display; never a secret.
    public var host: String { endpoint.host }
}
