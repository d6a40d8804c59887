@testable import B24
@testable import B24Wire
import Testing

/// What undo checks a journal against (docs/journal.md, docs/method-catalog.md): the portal a
/// line names, and the catalog's parameter types of a known write.
@Suite struct JournalIdentityAndTypesTests {
    @Test func aPortalIsNamedWithItsSchemeHostAndPort() throws {
        #expect(try PortalConfig.webhook("https://Example.Bitrix24.ru/rest/1/abcdef123/").endpoint.identity
                == "https://example.bitrix24.ru:443")
        #expect(try PortalConfig.webhook("https://example.bitrix24.ru:8443/rest/1/abcdef123/").endpoint.identity
                == "https://example.bitrix24.ru:8443")
        #expect(try PortalConfig.webhook("http://127.0.0.1:8124/rest/1/abcdef123/").endpoint.identity == "http://127.0.0.1:8124")
        #expect(try PortalConfig.webhook("https://corp.example/b24/rest/1/abcdef123/").endpoint.identity == "https://corp.example:443/b24")
        #expect(try !PortalConfig.webhook("https://x.example/rest/1/abcdef123/").endpoint.identity.contains("abcdef123"))
    }

    /// `host.` is the same name as `host` (an absolute DNS name): a journal written with one
    /// spelling is this portal's when undone or resumed with the other. Before, the trailing dot
    /// made it "another portal" and `--resume` sent the done writes again.
    @Test func aTrailingDotAndAnExplicitDefaultPortAreSpellingsOfOnePortal() throws {
        let plain = try PortalConfig.webhook("https://portal.bitrix24.ru/rest/1/abcdef123/").endpoint.identity
        #expect(try PortalConfig.webhook("https://Portal.Bitrix24.ru.:443/rest/1/abcdef123/").endpoint.identity == plain)
        #expect(try PortalConfig.webhook("https://portal.bitrix24.ru./rest/1/abcdef123/").endpoint.identity == plain)
        // Other ports and other schemes stay other portals.
        #expect(try PortalConfig.webhook("https://portal.bitrix24.ru.:8443/rest/1/abcdef123/").endpoint.identity != plain)
    }

    @Test func membershipParametersMustFitTheirTypes() throws {
        let entry = try #require(MethodCatalog.entry("imopenlines.crm.chat.user.add"))
        func problem(_ params: JSONValue, result: JSONValue? = nil) -> String? { entry.problem(params: params, result: result) }
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503]) == nil)
        #expect(problem(["crm_entity_type": "DEAL", "CRM_ENTITY": "2001", "USER_ID": 503.0, "CHAT_ID": 1801], result: 1801) == nil)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503], result: .null) == nil)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": [1]])?.hasPrefix("USER_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": ["ID": 1]])?.hasPrefix("USER_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": true])?.hasPrefix("USER_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 0])?.hasPrefix("USER_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503.5])?.hasPrefix("USER_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205]) == "USER_ID is missing")
        #expect(problem(["CRM_ENTITY_TYPE": "task", "CRM_ENTITY": 1205, "USER_ID": 503])?.hasPrefix("CRM_ENTITY_TYPE:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": -1, "USER_ID": 503])?.hasPrefix("CRM_ENTITY:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": "x"])?.hasPrefix("CHAT_ID:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503], result: "1763")?.hasPrefix("result:") == true)
        #expect(problem(["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503], result: -1)?.hasPrefix("result:") == true)
        #expect(problem([1, 2]) == "parameters are not an object")
    }
}
