import B24
import B24Sandbox
import Testing

/// Every row of docs/bitrix24-rest.md §1, over real HTTP, in the order of checks.
@Suite struct DeleteErrorTests {
    static let method = "imopenlines.crm.chat.user.delete"

    typealias Row = ErrorRow

    static let rows: [Row] = [
        Row(name: "1 no USER_ID", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "CHAT_ID": 1763],
            status: 400, code: "CRM_CHAT_EMPTY_USER", message: "Empty User ID"),
        Row(name: "1 USER_ID first, before empty CRM data", params: ["USER_ID": 0],
            status: 400, code: "CRM_CHAT_EMPTY_USER", message: "Empty User ID"),
        Row(name: "2 no type", params: ["CRM_ENTITY": 1205, "USER_ID": 503],
            status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA", message: "Empty CRM data"),
        Row(name: "2 no entity", params: ["CRM_ENTITY_TYPE": "lead", "USER_ID": 503],
            status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA", message: "Empty CRM data"),
        Row(name: "3 non-numeric entity", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": "abc", "USER_ID": 503],
            status: 400, code: "ERROR_ARGUMENT", message: "The value of an argument 'CRM_ENTITY' has an invalid type"),
        Row(name: "3 negative entity", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": -5, "USER_ID": 503],
            status: 400, code: "ERROR_ARGUMENT", message: "The value of an argument 'CRM_ENTITY' has an invalid type"),
        Row(name: "5 unknown type", params: ["CRM_ENTITY_TYPE": "invoice", "CRM_ENTITY": 1205, "USER_ID": 503],
            status: 403, code: "ACCESS_DENIED", message: "Access denied! You don't have access to join user to chat"),
        Row(name: "5 entity the caller cannot see",
            params: ["CRM_ENTITY_TYPE": "company", "CRM_ENTITY": 4001, "USER_ID": 1], status: 403, code: "ACCESS_DENIED",
            message: "Access denied! You don't have access to join user to chat", user: 503, hook: "sandbox503agent"),
        Row(name: "6 chat of another entity",
            params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1801],
            status: 400, code: "CHAT_NOT_IN_CRM", message: "Chat does not belong to the CRM entity being checked"),
        Row(name: "6 no such chat",
            params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 999_999],
            status: 400, code: "CHAT_NOT_IN_CRM", message: "Chat does not belong to the CRM entity being checked"),
        Row(name: "7 line the caller cannot manage",
            params: ["CRM_ENTITY_TYPE": "contact", "CRM_ENTITY": 3001, "USER_ID": 506], status: 403,
            code: "CHAT_DELETE_USER_PERMISSION_DENIED", message: "You don't have access to delete a user from this chat",
            user: 503, hook: "sandbox503agent"),
        Row(name: "8 inactive user", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 505],
            status: 400, code: "CRM_CHAT_USER_NOT_ACTIVE", message: "User not active"),
        Row(name: "8 no such user", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 987_654],
            status: 400, code: "CRM_CHAT_USER_NOT_ACTIVE", message: "User not active"),
        Row(name: "9 user in no chat", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 504],
            status: 400, code: "WRONG_REQUEST", message: "You don't have access or user already not in chat"),
    ]

    @Test(arguments: rows) func errorRow(_ row: Row) async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call(Self.method, row.params, user: row.user, code: row.hook)
            a.expectError(row.status, row.code, row.message)
            if row.code == "ERROR_ARGUMENT" { #expect(a.json?["argument"] == "CRM_ENTITY") }
        }
    }

    @Test func imNotInstalled() async throws {
        var ds = SandboxDataSet.default
        ds.imInstalled = false
        try await LiveSandbox.with(SandboxPortal(dataSet: ds, options: .unlimited)) { live in
            let a = try await live.call(Self.method, ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503])
            a.expectError(400, "IM_NOT_INSTALLED", "Messenger is not installed.")
        }
    }

    @Test func noChatAndNoChatIDAnswersZero() async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call(Self.method, ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1206, "USER_ID": 503])
            #expect(a.status == 200)
            #expect(a.result == 0)
        }
    }

    @Test func omittedChatMeansLastChat() async throws {
        try await LiveSandbox.with { live in
            // Deal 2001 has chats 1800 (inactive) and 1801: the last one is 1801.
            let a = try await live.call(Self.method, ["CRM_ENTITY_TYPE": "DEAL", "CRM_ENTITY": "2001", "USER_ID": "506"])
            #expect(a.result == 1801)
            #expect(live.portal.members(ofChat: 1801) == [1, 503])
            // A CHAT_ID that casts to 0 is "not given".
            let b = try await live.call(Self.method, ["CRM_ENTITY_TYPE": "deal", "CRM_ENTITY": 2001, "USER_ID": 503,
                                                      "CHAT_ID": "x"])
            #expect(b.result == 1801)
        }
    }

    @Test func botCanBeRemoved() async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call(Self.method, ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1300, "USER_ID": 506,
                                                      "CHAT_ID": 2300])
            #expect(a.result == 2300)
            #expect(live.portal.members(ofChat: 2300) == [1, 503])
        }
    }
}
