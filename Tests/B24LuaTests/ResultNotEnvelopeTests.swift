import B24
@testable import B24Lua
import B24Sandbox
import Foundation
import LuaHost
import Testing

/// What a call hands Lua (docs/call-pipeline.md): the result, unless the script asked for the
/// envelope with `b24.request`; the same inside `b24.each`; and the prelude's limits and result
/// resolution come from the method catalog, not from Lua.
@Suite struct ResultNotEnvelopeTests {
    let harness: InProcessModule
    var module: B24Module { harness.module }
    var portal: SandboxPortal { harness.portal }

    init() throws { harness = try InProcessModule() }

    func run(_ code: String) async throws -> [LuaValue] { try await harness.run(code) }

    @Test func callGivesTheResultAndRequestTheEnvelope() async throws {
        let r = try await run("""
            local last = b24.call("imopenlines.crm.chat.getLastId", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205})
            local env = b24.request("imopenlines.crm.chat.getLastId", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205})
            local users = b24.call("user.get", {})
            return last, type(env), env.result, type(env.time), users.result == nil, type(users[1])
            """)
        #expect(r == [.integer(1763), .string("table"), .integer(1763), .string("table"), .boolean(true), .string("table")])
    }

    @Test func insideEachTheSame() async throws {
        let r = try await run("""
            local got = {}
            local report = b24.each({1, 2}, function(i)
              local last = b24.call("imopenlines.crm.chat.getLastId", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205})
              local env = b24.request("imopenlines.crm.chat.getLastId", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205})
              got[i] = {last, type(env) == "table" and env.result or "no envelope", env.ok == nil}
            end)
            return report.ok, got[1][1], got[1][2], got[1][3], got[2][1], got[2][2], got[2][3]
            """)
        #expect(r == [.integer(2), .integer(1763), .integer(1763), .boolean(true), .integer(1763), .integer(1763), .boolean(true)])
    }

    @Test func theChatFunctionsStillResolveTheirResult() async throws {
        let r = try await run("""
            return b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 506},
                   b24.chat_get{entity_type = "deal", entity = 2001, active_only = false}[2].chat,
                   b24.chat_last_id{entity_type = "deal", entity = 2001}
            """)
        #expect(r == [.integer(1763), .integer(1801), .integer(1801)])
        #expect(portal.members(ofChat: 1763) == [1, 503])
    }
}

/// The prelude states no limit and no method fact of its own: they come from the catalog.
@Suite struct PreludeReadsTheCatalogTests {
    @Test func noLimitOrChatMethodIsRestatedInLua() throws {
        let prelude = PackageResources.prelude_lua
        let text = String(decoding: prelude, as: UTF8.self)
        #expect(!text.contains("chat_methods"), "which writes return a chat is the catalog's")
        #expect(!text.contains("CRM_CHAT_EMPTY_CRM_DATA") && !text.contains("getLastId\","), "so is how it is resolved")
        #expect(!text.contains("MAX_IN_FLIGHT = 4"))
        #expect(!text.contains("#chunk < 50"))
        #expect(!text.contains(":lower():gsub"), "method names are normalised by the catalog")
    }
}
