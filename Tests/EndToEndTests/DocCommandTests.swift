import B24
import Foundation
import Testing

/// `b24lua doc [NAME]`: the embedded help for every b24 function and error code.
@Suite struct DocCommandTests {
    /// README "A tour of b24": every function and field of the module.
    static let functions = ["chat_user_delete", "chat_user_add", "chat_get", "chat_last_id", "call", "request", "batch",
                            "list", "each", "try", "is_error", "null", "array", "object", "confirm", "portal", "dry_run",
                            "sandbox", "Error"]

    /// README "A tour of b24": every REST code of the kind mapping, and the client's codes.
    static let codes = ["ERROR_ARGUMENT", "CRM_CHAT_EMPTY_USER", "CRM_CHAT_EMPTY_CRM_DATA", "INVALID_REQUEST",
                        "ERROR_BATCH_LENGTH_EXCEEDED", "ACCESS_DENIED", "CHAT_DELETE_USER_PERMISSION_DENIED",
                        "insufficient_scope", "user_access_error", "INVALID_CREDENTIALS", "METHOD_CONFIRM_DENIED",
                        "CHAT_NOT_IN_CRM", "ERROR_METHOD_NOT_FOUND", "ERROR_MANIFEST_IS_NOT_AVAILABLE", "PORTAL_DELETED",
                        "WRONG_REQUEST", "CRM_CHAT_USER_NOT_ACTIVE", "IM_NOT_INSTALLED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
                        "METHOD_CONFIRM_WAITING", "NO_AUTH_FOUND", "expired_token", "invalid_token", "wrong_client",
                        "QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "OVERLOAD_LIMIT", "INTERNAL_SERVER_ERROR",
                        "ERROR_UNEXPECTED_ANSWER", "ERROR_CORE", "INVALID_ARGUMENT", "NETWORK_ERROR", "TIMEOUT",
                        "BAD_RESPONSE", "CONFIG_ERROR"]

    @Test func listsEveryNameWithItsSummary() async throws {
        let r = try await Binary.b24luaAsync(["doc"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let names = Set(r.stdout.split(separator: "\n").compactMap { $0.hasPrefix("  ") ? $0.split(separator: " ").first.map(String.init) : nil })
        #expect(names.isSuperset(of: Self.functions + Self.codes), "missing: \(Set(Self.functions + Self.codes).subtracting(names))")
        #expect(r.stdout.contains("  chat_user_delete"))
        #expect(r.stdout.contains("Remove a user or bot from the Open Channel chat"))
    }

    @Test(arguments: functions)
    func functionHelpHasEverySection(_ name: String) async throws {
        let r = try await Binary.b24luaAsync(["doc", name])
        #expect(r.status == 0)
        #expect(r.stdout.contains("b24.\(name)") || name == "Error")
        for section in ["Errors", "Example:"] {
            #expect(r.stdout.contains(section), "\(name) lacks \(section)")
        }
        #expect(r.stdout.contains("Parameters") || r.stdout.contains("Fields:"), "\(name) lacks its parameters")
        #expect(r.stdout.contains("Result") || r.stdout.contains("Methods:"), "\(name) lacks its result")
    }

    /// The chat functions name the REST method and parameters they map to.
    @Test func chatFunctionsNameTheirRESTParameters() async throws {
        let r = try await Binary.b24luaAsync(["doc", "chat_user_delete"])
        for text in ["imopenlines.crm.chat.user.delete", "CRM_ENTITY_TYPE", "CRM_ENTITY", "USER_ID", "CHAT_ID",
                     "WRONG_REQUEST", "CHAT_NOT_IN_CRM", "CHAT_DELETE_USER_PERMISSION_DENIED"] {
            #expect(r.stdout.contains(text), "missing \(text)")
        }
    }

    @Test func acceptsTheModulePrefix() async throws {
        let bare = try await Binary.b24luaAsync(["doc", "chat_get"])
        let prefixed = try await Binary.b24luaAsync(["doc", "b24.chat_get"])
        #expect(bare.status == 0 && prefixed.status == 0)
        #expect(bare.stdout == prefixed.stdout)
        #expect(bare.stdout.contains("imopenlines.crm.chat.get"))
    }

    @Test func errorCodesMatchInAnyCase() async throws {
        let r = try await Binary.b24luaAsync(["doc", "wrong_request"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("code       WRONG_REQUEST"))
        let lower = try await Binary.b24luaAsync(["doc", "INSUFFICIENT_SCOPE"])
        #expect(lower.stdout.contains("code       insufficient_scope"))
    }

    /// The kind and retryability the help states are the ones the client gives the code.
    @Test(arguments: codes)
    func codeHelpAgreesWithTheClient(_ code: String) async throws {
        let r = try await Binary.b24luaAsync(["doc", code])
        #expect(r.status == 0)
        func field(_ name: String) -> String? {
            r.stdout.split(separator: "\n").first { $0.hasPrefix("  \(name) ") }
                .map { $0.dropFirst(2 + name.count).trimmingCharacters(in: .whitespaces) }
        }
        let status = field("status").flatMap { Int($0.prefix { $0.isNumber }) }
        let kind = try #require(field("kind"))
        #expect(kind == B24Error.kind(forCode: code, status: status).rawValue)
        let retryable = try #require(field("retryable"))
        #expect(r.stdout.contains("What to do:"))
        if !retryable.hasPrefix("yes when") {
            let k = try #require(B24Error.Kind(rawValue: kind))
            #expect(retryable.hasPrefix("yes") == B24Error.isRetryable(code: code, kind: k, status: status), "\(code)")
        }
    }

    @Test func unknownNameIsAUsageError() async throws {
        let r = try await Binary.b24luaAsync(["doc", "chat_delete_everything"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("no help for 'chat_delete_everything'"))
        let near = try await Binary.b24luaAsync(["doc", "chat_user"])
        #expect(near.status == 2)
        #expect(near.stderr.contains("did you mean") && near.stderr.contains("chat_user_add, chat_user_delete"))
    }
}
