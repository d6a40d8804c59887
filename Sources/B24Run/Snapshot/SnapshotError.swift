import B24
import B24Wire

/// Why a snapshot stopped. Each message names what is missing and what to do; the checkpoint
/// keeps what was read, so a run after the fix goes on from there (docs/snapshot.md).
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Ctrl-C or SIGTERM.
        case interrupted
        /// `--timeout`.
        case timedOut
        /// The portal, the credentials or the data refused the reads.
        case failed
        /// The options or files given cannot work.
        case usage
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = Redaction.redact(message)
    }

    public var description: String { message }

    /// The scope a method needs on a webhook or token (docs/bitrix24-rest.md §3 `insufficient_scope`).
    static func scope(of method: String) -> String {
        let m = MethodCatalog.normalized(method)
        if m.hasPrefix("imopenlines.") { return "imopenlines" }
        if m.hasPrefix("im.") { return "im" }
        if m.hasPrefix("crm.") { return "crm" }
        if m.hasPrefix("user.") && m != "user.current" && m != "user.admin" { return "user" }
        return "basic"
    }

    /// `QUERY_LIMIT_EXCEEDED, HTTP 503`: the code and, when an answer came, its status.
    static func code(_ e: B24Error) -> String { e.status.map { "\(e.code), HTTP \($0)" } ?? e.code }

    /// A command's final error as the administrator should read it.
    static func explaining(_ e: B24Error, method: String) -> SnapshotError {
        switch e.code {
        case "insufficient_scope":
            return SnapshotError(.failed, "the webhook or token lacks the scope '\(scope(of: method))', which \(method) needs; "
                                 + "add it (a snapshot needs imopenlines, crm, user and im)")
        case "ERROR_METHOD_NOT_FOUND":
            return SnapshotError(.failed, "the portal has no method \(method) (ERROR_METHOD_NOT_FOUND): "
                                 + "is its module (Open Channels, messenger, CRM) installed and on the plan?")
        case "expired_token", "invalid_token", "invalid_grant":
            return SnapshotError(.failed, "the access token has expired and could not be refreshed (\(e.code)); "
                                 + "authorise again")
        case "NO_AUTH_FOUND", "INVALID_CREDENTIALS", "user_access_error":
            return SnapshotError(.failed, "the portal refused the credentials (\(e.code)): check the webhook or token")
        case "invalid_client":
            return SnapshotError(.failed, "the access token has expired and could not be refreshed: the portal refused "
                                 + "the app's client id or secret (\(e.code)); check them, then authorise again")
        default:
            let after = "through every retry of the client"
            switch e.kind {
            case .limit:
                return SnapshotError(.failed, "the portal kept refusing for its rate limit (\(code(e))) \(after): "
                                     + "another program may be using this portal's limit; try again later")
            case .server, .protocol:
                return SnapshotError(.failed, "the portal kept failing (\(code(e))) \(after): \(e.message); try again later")
            case .network:
                return SnapshotError(.failed, "the portal could not be reached (\(code(e))) \(after): \(e.message); "
                                     + "check the network, then try again")
            default:
                return SnapshotError(.failed, "\(method) was refused: \(e.description)")
            }
        }
    }
}
