import Testing
@testable import B24

@Suite struct ErrorModelTests {
    // README "A tour of b24", code by code.
    static let table: [(String, B24Error.Kind)] = [
        ("ERROR_ARGUMENT", .argument), ("CRM_CHAT_EMPTY_USER", .argument), ("CRM_CHAT_EMPTY_CRM_DATA", .argument),
        ("INVALID_REQUEST", .argument), ("ERROR_BATCH_LENGTH_EXCEEDED", .argument),
        ("ACCESS_DENIED", .access), ("CHAT_DELETE_USER_PERMISSION_DENIED", .access), ("insufficient_scope", .access),
        ("user_access_error", .access), ("INVALID_CREDENTIALS", .access), ("METHOD_CONFIRM_DENIED", .access),
        ("CHAT_NOT_IN_CRM", .not_found), ("ERROR_METHOD_NOT_FOUND", .not_found),
        ("ERROR_MANIFEST_IS_NOT_AVAILABLE", .not_found), ("PORTAL_DELETED", .not_found),
        ("WRONG_REQUEST", .state), ("CRM_CHAT_USER_NOT_ACTIVE", .state), ("IM_NOT_INSTALLED", .state),
        ("ERROR_BATCH_METHOD_NOT_ALLOWED", .state), ("METHOD_CONFIRM_WAITING", .state),
        ("NO_AUTH_FOUND", .auth), ("expired_token", .auth), ("invalid_token", .auth), ("wrong_client", .auth),
        ("QUERY_LIMIT_EXCEEDED", .limit), ("OPERATION_TIME_LIMIT", .limit), ("OVERLOAD_LIMIT", .limit),
        ("INTERNAL_SERVER_ERROR", .server), ("ERROR_UNEXPECTED_ANSWER", .server), ("ERROR_CORE", .server),
    ]

    @Test func everyCodeOfTheSpecMapsToItsKind() {
        for (code, kind) in Self.table {
            // The code decides, whatever the status (auth-stage errors may come as 401).
            for status in [nil, 400, 401, 403, 500] {
                #expect(B24Error.kind(forCode: code, status: status) == kind, "\(code) \(String(describing: status))")
            }
        }
    }

    @Test func unknownCodesFallBackOnTheStatus() {
        #expect(B24Error.kind(forCode: "SOMETHING_NEW", status: 400) == .argument)
        #expect(B24Error.kind(forCode: "SOMETHING_NEW", status: 404) == .argument)
        #expect(B24Error.kind(forCode: "SOMETHING_NEW", status: 502) == .server)
        #expect(B24Error.kind(forCode: "SOMETHING_NEW", status: 401) == .auth)
    }

    @Test func onlyHealableErrorsAreRetryable() {
        func retryable(_ code: String, _ status: Int?) -> Bool { B24Error(code: code, message: "", status: status).retryable }
        #expect(retryable("QUERY_LIMIT_EXCEEDED", 503))
        #expect(retryable("QUERY_LIMIT_EXCEEDED", 429))
        #expect(retryable("OPERATION_TIME_LIMIT", 429))
        #expect(retryable("INTERNAL_SERVER_ERROR", 500))
        #expect(retryable("expired_token", 401))
        #expect(retryable("BAD_GATEWAY_ANYTHING", 502))
        #expect(!retryable("OVERLOAD_LIMIT", 503))
        #expect(!retryable("ERROR_CORE", 400))
        #expect(!retryable("NO_AUTH_FOUND", 401))
        for (code, kind) in Self.table where [.argument, .access, .not_found, .state].contains(kind) {
            #expect(!retryable(code, 400), "\(code)")
        }
    }

    @Test func clientCodes() {
        #expect(B24Error.invalidArgument("x").kind == .usage)
        #expect(B24Error.configError("x").kind == .usage)
        #expect(B24Error.networkError("x", sent: false).kind == .network)
        #expect(B24Error.timeout("x").kind == .network)
        #expect(B24Error.timeout("x").retryable)
        #expect(B24Error.badResponse("x", status: 200).kind == .protocol)
        #expect(!B24Error.badResponse("x", status: 200).retryable)
        #expect(B24Error.badResponse("x", status: 502).retryable)
    }

    @Test func rendersOnOneLine() {
        let e = B24Error(code: "WRONG_REQUEST", message: "You don't have access or user already not in chat",
                         status: 400, method: "imopenlines.crm.chat.user.delete")
        #expect(e.description
            == "b24: WRONG_REQUEST (400) imopenlines.crm.chat.user.delete: You don't have access or user already not in chat")
        #expect(B24Error.networkError("connection refused", method: "user.get", sent: false).description
            == "b24: NETWORK_ERROR user.get: connection refused")
    }
}
