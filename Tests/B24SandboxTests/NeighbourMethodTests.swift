import B24
import B24Wire
import B24Sandbox
import Testing

/// The rows of docs/bitrix24-rest.md §2.1–2.3, over real HTTP.
@Suite struct NeighbourMethodTests {
    static let add = "imopenlines.crm.chat.user.add"

    typealias Row = ErrorRow

    static let lead: JSONValue = "lead"
    static let joinDenied = "Access denied! You don't have access to join user to chat"
    static let rows: [Row] = [
        // user.add (§2.1)
        Row(name: "add: no type", method: add, params: ["CRM_ENTITY": 1205, "USER_ID": 504], status: 400,
            code: "ERROR_ARGUMENT", message: "Argument 'CRM_ENTITY_TYPE' is null or empty"),
        Row(name: "add: no entity", method: add, params: ["CRM_ENTITY_TYPE": lead, "USER_ID": 504], status: 400,
            code: "ERROR_ARGUMENT", message: "Argument 'CRM_ENTITY' is null or empty"),
        Row(name: "add: bad entity", method: add, params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": "12x", "USER_ID": 504],
            status: 400, code: "ERROR_ARGUMENT", message: "The value of an argument 'CRM_ENTITY' has an invalid type"),
        Row(name: "add: caller lacks CRM access", method: add,
            params: ["CRM_ENTITY_TYPE": "company", "CRM_ENTITY": 4001, "USER_ID": 504], status: 403,
            code: "ACCESS_DENIED", message: joinDenied, user: 503, hook: "sandbox503agent"),
        Row(name: "add: line cannot be joined", method: add,
            params: ["CRM_ENTITY_TYPE": "contact", "CRM_ENTITY": 3001, "USER_ID": 504], status: 403,
            code: "ACCESS_DENIED", message: joinDenied, user: 503, hook: "sandbox503agent"),
        Row(name: "add: chat not in CRM", method: add,
            params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1205, "USER_ID": 504, "CHAT_ID": 1900], status: 400,
            code: "CHAT_NOT_IN_CRM", message: "Chat does not belong to the CRM entity being checked"),
        Row(name: "add: USER_ID <= 0", method: add, params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1205, "USER_ID": 0],
            status: 400, code: "ERROR_ARGUMENT", message: "Argument 'Empty USER_ID' is null or empty"),
        Row(name: "add: inactive user", method: add, params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1205, "USER_ID": 505],
            status: 400, code: "CRM_CHAT_USER_NOT_ACTIVE", message: "User not active"),
        Row(name: "add: target cannot see the entity", method: add,
            params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1205, "USER_ID": 504], status: 403, code: "ACCESS_DENIED",
            message: "Access denied! This user does not have access to the chat because he does not have access to this CRM entity"),
        Row(name: "add: target cannot view history", method: add,
            params: ["CRM_ENTITY_TYPE": "contact", "CRM_ENTITY": 3001, "USER_ID": 504], status: 403, code: "ACCESS_DENIED",
            message: "Access denied! This user does not have access to the chat because he does not have access to this view chat history"),
        Row(name: "add: already a member", method: add,
            params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1205, "USER_ID": 503], status: 400, code: "WRONG_REQUEST",
            message: "You don't have access or user already member in chat"),
        // chat.get (§2.2)
        Row(name: "get: no type", method: "imopenlines.crm.chat.get", params: ["CRM_ENTITY": 1205], status: 400,
            code: "ERROR_ARGUMENT", message: "Argument 'CRM_ENTITY_TYPE' is null or empty"),
        Row(name: "get: no entity", method: "imopenlines.crm.chat.get", params: ["CRM_ENTITY_TYPE": lead], status: 400,
            code: "ERROR_ARGUMENT", message: "Argument 'CRM_ENTITY' is null or empty"),
        Row(name: "get: bad entity", method: "imopenlines.crm.chat.get", params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1.5e-3],
            status: 400, code: "ERROR_ARGUMENT", message: "The value of an argument 'CRM_ENTITY' has an invalid type"),
        Row(name: "get: no access", method: "imopenlines.crm.chat.get",
            params: ["CRM_ENTITY_TYPE": "company", "CRM_ENTITY": 4001], status: 403, code: "ACCESS_DENIED",
            message: "Access denied! You dont have access to this action", user: 503, hook: "sandbox503agent"),
        // chat.getLastId (§2.3)
        Row(name: "lastId: missing param", method: "imopenlines.crm.chat.getLastId", params: ["CRM_ENTITY_TYPE": lead],
            status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA", message: "Empty CRM data"),
        Row(name: "lastId: bad entity", method: "imopenlines.crm.chat.getLastId",
            params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": "abc"], status: 400, code: "ERROR_ARGUMENT",
            message: "The value of an argument 'CRM_ENTITY' has an invalid type"),
        Row(name: "lastId: no chat", method: "imopenlines.crm.chat.getLastId",
            params: ["CRM_ENTITY_TYPE": lead, "CRM_ENTITY": 1206], status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA",
            message: "Could not find CRM entity"),
        Row(name: "lastId: bad type", method: "imopenlines.crm.chat.getLastId",
            params: ["CRM_ENTITY_TYPE": "invoice", "CRM_ENTITY": 1205], status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA",
            message: "Could not find CRM entity"),
        Row(name: "lastId: no access", method: "imopenlines.crm.chat.getLastId",
            params: ["CRM_ENTITY_TYPE": "company", "CRM_ENTITY": 4001], status: 400, code: "CRM_CHAT_EMPTY_CRM_DATA",
            message: "Could not find CRM entity", user: 503, hook: "sandbox503agent"),
    ]

    @Test(arguments: rows) func errorRow(_ row: Row) async throws {
        try await LiveSandbox.with { live in
            let a = try await live.call(row.method, row.params, user: row.user, code: row.hook)
            a.expectError(row.status, row.code, row.message)
        }
    }

    @Test func addThenDeleteRoundTrip() async throws {
        try await LiveSandbox.with { live in
            let seed: JSONValue = ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503]
            #expect(try await live.call("imopenlines.crm.chat.user.delete", seed).result == 1763)
            let a = try await live.call(Self.add, seed)
            #expect(a.result == 1763)
            #expect(live.portal.members(ofChat: 1763) == [1, 506, 503])
            // A bot skips the CRM and history checks of people.
            #expect(try await live.call(Self.add, ["CRM_ENTITY_TYPE": "company", "CRM_ENTITY": 4001, "USER_ID": 506]).result == 1950)
            // No chat and no CHAT_ID: 0, even without USER_ID ([S] validates USER_ID after the chat).
            let zero = try await live.call(Self.add, ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1206])
            #expect(zero.status == 200 && zero.result == 0)
        }
    }

    @Test func chatGetReturnsStringIDsAndHonoursActiveOnly() async throws {
        try await LiveSandbox.with { live in
            let active = try await live.call("imopenlines.crm.chat.get", ["CRM_ENTITY_TYPE": "deal", "CRM_ENTITY": 2001])
            #expect(active.result == [["CHAT_ID": "1801", "CONNECTOR_ID": "livechat", "CONNECTOR_TITLE": "Live Chat"]])
            let all = try await live.call("imopenlines.crm.chat.get",
                                          ["CRM_ENTITY_TYPE": "deal", "CRM_ENTITY": 2001, "ACTIVE_ONLY": "N"])
            #expect(all.result?.arrayValue?.compactMap { $0["CHAT_ID"]?.stringValue } == ["1800", "1801"])
            let missing = try await live.call("imopenlines.crm.chat.get", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 99])
            #expect(missing.status == 200 && missing.result == [])
            let last = try await live.call("imopenlines.crm.chat.getLastId", ["CRM_ENTITY_TYPE": "deal", "CRM_ENTITY": 2001])
            #expect(last.result == 1801)
        }
    }
}
