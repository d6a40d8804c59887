import B24Wire

/// A refusal as the portal renders it: HTTP status plus `{"error","error_description"}`.
/// Every error the sandbox can give is a static constructor here, so the strings live in one place.
public struct PortalError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var description: String
    /// `ERROR_ARGUMENT` bodies name the parameter ([S] `ArgumentException`).
    public var argument: String?

    public init(_ status: Int, _ code: String, _ description: String, argument: String? = nil) {
        self.status = status
        self.code = code
        self.description = description
        self.argument = argument
    }

    public var body: JSONValue {
        var o: JSONObject = ["error": .string(code), "error_description": .string(description)]
        if let argument { o["argument"] = .string(argument) }
        return .object(o)
    }
}

// MARK: - System and auth errors (docs/bitrix24-rest.md §3)

extension PortalError {
    static let internalError = PortalError(500, "INTERNAL_SERVER_ERROR", "Internal server error")
    static let queryLimit = PortalError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    /// The OAuth server's refusals of a refresh (`/oauth/token/`).
    static let oauthInvalidClient = PortalError(401, "invalid_client", "Invalid client")
    static let oauthInvalidGrant = PortalError(400, "invalid_grant", "Invalid grant")
    static let operationTimeLimit = PortalError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
    static let batchMethodNotAllowed = PortalError(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
    static let batchLengthExceeded = PortalError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    static let methodNotFound = PortalError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    // Auth-stage failures are OAuthExceptions, which [S] sends as 401 (docs/bitrix24-rest.md §3 caveat).
    static let noAuth = PortalError(401, "NO_AUTH_FOUND", "Wrong authorization data")
    static let invalidCredentials = PortalError(401, "INVALID_CREDENTIALS", "Invalid request credentials")
    static let expiredToken = PortalError(401, "expired_token", "The access token provided has expired")
    static func insufficientScope(webhook: Bool) -> PortalError {
        PortalError(401, "insufficient_scope",
                    "The request requires higher privileges than provided by the \(webhook ? "webhook" : "access") token")
    }
    static let syntaxError = PortalError(400, "ERROR_ARGUMENT", "Syntax error")
    static let bodyTooLarge = PortalError(413, "ERROR_ARGUMENT", "Request body is too large")
    static let bodyUnreadable = PortalError(400, "ERROR_ARGUMENT", "The request body could not be read")
    static let requestTimeout = PortalError(408, "ERROR_ARGUMENT", "The request body did not arrive in time")
    static let unsupportedFormat = PortalError(400, "ERROR_ARGUMENT", "Only the JSON transport is supported")

    /// The default description of a code, for faults queued with only a status or a code.
    static func fault(status: Int?, code: String?) -> PortalError {
        let known: [PortalError] = [.internalError, .queryLimit, .operationTimeLimit, .noAuth, .invalidCredentials,
                                    .expiredToken, .methodNotFound,
                                    PortalError(500, "ERROR_UNEXPECTED_ANSWER", "Server returned an unexpected response"),
                                    PortalError(503, "OVERLOAD_LIMIT", "REST API is blocked due to overload"),
                                    PortalError(500, "PORTAL_DELETED", "Portal was deleted")]
        if let code, let k = known.first(where: { $0.code == code }) {
            return PortalError(status ?? k.status, k.code, k.description)
        }
        if let code { return PortalError(status ?? 400, code, code) }
        if let k = known.first(where: { $0.status == status }) { return k }
        return PortalError(status ?? 500, "INTERNAL_SERVER_ERROR", "Internal server error")
    }
}

// MARK: - imopenlines.crm.chat.* (docs/bitrix24-rest.md §1, §2)

extension PortalError {
    static let emptyUser = PortalError(400, "CRM_CHAT_EMPTY_USER", "Empty User ID")
    static let emptyCrmData = PortalError(400, "CRM_CHAT_EMPTY_CRM_DATA", "Empty CRM data")
    static let crmEntityNotFound = PortalError(400, "CRM_CHAT_EMPTY_CRM_DATA", "Could not find CRM entity")
    static let invalidEntity = PortalError(400, "ERROR_ARGUMENT", "The value of an argument 'CRM_ENTITY' has an invalid type",
                                           argument: "CRM_ENTITY")
    static let nullEntityType = PortalError(400, "ERROR_ARGUMENT", "Argument 'CRM_ENTITY_TYPE' is null or empty",
                                            argument: "CRM_ENTITY_TYPE")
    static let nullEntity = PortalError(400, "ERROR_ARGUMENT", "Argument 'CRM_ENTITY' is null or empty", argument: "CRM_ENTITY")
    static let nullUser = PortalError(400, "ERROR_ARGUMENT", "Argument 'Empty USER_ID' is null or empty", argument: "Empty USER_ID")
    static let imNotInstalled = PortalError(400, "IM_NOT_INSTALLED", "Messenger is not installed.")
    static let joinDenied = PortalError(403, "ACCESS_DENIED", "Access denied! You don't have access to join user to chat")
    static let actionDenied = PortalError(403, "ACCESS_DENIED", "Access denied! You dont have access to this action")
    static let targetNoEntityAccess = PortalError(
        403, "ACCESS_DENIED",
        "Access denied! This user does not have access to the chat because he does not have access to this CRM entity")
    static let targetNoHistoryAccess = PortalError(
        403, "ACCESS_DENIED",
        "Access denied! This user does not have access to the chat because he does not have access to this view chat history")
    static let chatNotInCrm = PortalError(400, "CHAT_NOT_IN_CRM", "Chat does not belong to the CRM entity being checked")
    static let deletePermissionDenied = PortalError(403, "CHAT_DELETE_USER_PERMISSION_DENIED",
                                                    "You don't have access to delete a user from this chat")
    static let userNotActive = PortalError(400, "CRM_CHAT_USER_NOT_ACTIVE", "User not active")
    static let notInChat = PortalError(400, "WRONG_REQUEST", "You don't have access or user already not in chat")
    static let alreadyInChat = PortalError(400, "WRONG_REQUEST", "You don't have access or user already member in chat")
}

// MARK: - crm.*, im.* (legacy CRM methods answer with an empty code; docs/bitrix24-rest.md §2.4)

extension PortalError {
    static let crmIdInvalid = PortalError(400, "", "ID is not defined or invalid")
    static let crmNotFound = PortalError(400, "", "Not found")
    static let crmAccessDenied = PortalError(403, "", "Access denied")
    static let itemNotFound = PortalError(400, "NOT_FOUND", "Element not found")
    static let itemAccessDenied = PortalError(403, "ACCESS_DENIED", "Access denied")
    static func entityTypeNotSupported(_ id: String) -> PortalError {
        PortalError(400, "ENTITY_TYPE_NOT_SUPPORTED", "Entity type \(id) is not supported", argument: "entityTypeId")
    }
    static func argumentNull(_ name: String) -> PortalError {
        PortalError(400, "ERROR_ARGUMENT", "Argument '\(name)' is null or empty", argument: name)
    }
    static let chatIdEmpty = PortalError(400, "CHAT_ID_EMPTY", "Chat ID can't be empty")
    static let chatAccessError = PortalError(403, "ACCESS_ERROR", "You do not have access to the specified dialog")
}
