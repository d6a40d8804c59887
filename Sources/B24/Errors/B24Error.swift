// The client's one error type (README "A tour of b24"). It carries the REST `error` code or a client code,
// knows its kind and whether retrying can help, and renders itself on one line. Every text it
// holds has been through `Redaction`, so printing it can never leak a secret.

public struct B24Error: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case usage, argument, access, not_found, state, auth, limit, server, network, `protocol`
    }

    public var code: String
    /// The REST `error_description`, or the client's own message.
    public var message: String
    public var status: Int?
    public var method: String?
    public var argument: String?
    public var kind: Kind
    public var retryable: Bool
    /// A write may have been applied although no answer says so (dropped connection, timeout).
    public var outcomeUnknown: Bool
    /// This error answered a retry after an attempt whose outcome was unknown.
    public var confirmedOnRetry: Bool
    /// The transport may have delivered the request before failing (false: surely never sent).
    public var requestMayHaveArrived: Bool

    public init(code: String, message: String, status: Int? = nil, method: String? = nil, argument: String? = nil,
                kind: Kind? = nil, retryable: Bool? = nil, outcomeUnknown: Bool = false,
                confirmedOnRetry: Bool = false, requestMayHaveArrived: Bool = true) {
        let k = kind ?? B24Error.kind(forCode: code, status: status)
        self.code = code
        self.message = Redaction.redact(message)
        self.status = status
        self.method = method
        self.argument = argument
        self.kind = k
        self.retryable = retryable ?? B24Error.isRetryable(code: code, kind: k, status: status)
        self.outcomeUnknown = outcomeUnknown
        self.confirmedOnRetry = confirmedOnRetry
        self.requestMayHaveArrived = requestMayHaveArrived
    }

    /// `b24: CODE (STATUS) METHOD: message`, the status omitted when no response arrived.
    public var description: String {
        var s = "b24: \(code)"
        if let status { s += " (\(status))" }
        if let method, !method.isEmpty { s += " \(method)" }
        s += ": \(message)"
        return s
    }
}

// MARK: Client codes

extension B24Error {
    /// Bad arguments from the caller, refused before any request.
    public static func invalidArgument(_ message: String, method: String? = nil, argument: String? = nil) -> B24Error {
        B24Error(code: "INVALID_ARGUMENT", message: message, method: method, argument: argument, kind: .usage,
                 retryable: false, requestMayHaveArrived: false)
    }

    /// No answer arrived. `sent` says whether the request may have reached the portal.
    public static func networkError(_ message: String, method: String? = nil, sent: Bool) -> B24Error {
        B24Error(code: "NETWORK_ERROR", message: message, method: method, kind: .network, retryable: true,
                 requestMayHaveArrived: sent)
    }

    public static func timeout(_ message: String, method: String? = nil, sent: Bool = true) -> B24Error {
        B24Error(code: "TIMEOUT", message: message, method: method, kind: .network, retryable: true,
                 requestMayHaveArrived: sent)
    }

    /// An answer that is not the envelope we expect: HTML from a proxy, truncated or empty JSON.
    public static func badResponse(_ message: String, status: Int?, method: String? = nil) -> B24Error {
        // A proxy's 502/504 page heals like any 5xx; a malformed 200 does not.
        let heals = (status ?? 0) >= 500
        return B24Error(code: "BAD_RESPONSE", message: message, status: status, method: method, kind: .protocol,
                        retryable: heals)
    }

    public static func configError(_ message: String) -> B24Error {
        B24Error(code: "CONFIG_ERROR", message: message, kind: .usage, retryable: false, requestMayHaveArrived: false)
    }
}

// MARK: the kind of each REST code (README "A tour of b24")

extension B24Error {
    static let kindByCode: [String: Kind] = {
        var m: [String: Kind] = [:]
        for c in ["ERROR_ARGUMENT", "CRM_CHAT_EMPTY_USER", "CRM_CHAT_EMPTY_CRM_DATA", "INVALID_REQUEST",
                  "ERROR_BATCH_LENGTH_EXCEEDED"] { m[c] = .argument }
        for c in ["ACCESS_DENIED", "CHAT_DELETE_USER_PERMISSION_DENIED", "insufficient_scope", "user_access_error",
                  "INVALID_CREDENTIALS", "METHOD_CONFIRM_DENIED"] { m[c] = .access }
        for c in ["CHAT_NOT_IN_CRM", "ERROR_METHOD_NOT_FOUND", "ERROR_MANIFEST_IS_NOT_AVAILABLE",
                  "PORTAL_DELETED"] { m[c] = .not_found }
        for c in ["WRONG_REQUEST", "CRM_CHAT_USER_NOT_ACTIVE", "IM_NOT_INSTALLED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
                  "METHOD_CONFIRM_WAITING"] { m[c] = .state }
        for c in ["NO_AUTH_FOUND", "expired_token", "invalid_token", "wrong_client"] { m[c] = .auth }
        for c in ["QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "OVERLOAD_LIMIT"] { m[c] = .limit }
        for c in ["INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER", "ERROR_CORE"] { m[c] = .server }
        // Client codes, so `kind(forCode:)` answers for every code this layer produces.
        m["INVALID_ARGUMENT"] = .usage
        m["CONFIG_ERROR"] = .usage
        m["NETWORK_ERROR"] = .network
        m["TIMEOUT"] = .network
        m["BAD_RESPONSE"] = .protocol
        return m
    }()

    /// The `error` string decides first (auth-stage errors may arrive as 401); the status second.
    public static func kind(forCode code: String, status: Int?) -> Kind {
        if let k = kindByCode[code] { return k }
        guard let status else { return .protocol }
        if status >= 500 { return .server }
        if status == 401 { return .auth }
        if status == 429 { return .limit }
        return .argument
    }

    /// Whether waiting and sending again can change the answer. Access, argument, not_found and
    /// state answers never heal by themselves.
    public static func isRetryable(code: String, kind: Kind, status: Int?) -> Bool {
        switch kind {
        case .limit:
            // OVERLOAD_LIMIT is a manual block by Bitrix24 support: retrying only adds load.
            return code != "OVERLOAD_LIMIT"
        case .server:
            // ERROR_CORE also comes as 400 (a core validation failure); only 5xx heal.
            return status.map { $0 >= 500 } ?? true
        case .network:
            return true
        case .auth:
            // An expired token heals by refreshing it; a wrong one does not.
            return code == "expired_token"
        case .protocol:
            return (status ?? 0) >= 500
        case .usage, .argument, .access, .not_found, .state:
            return false
        }
    }
}
