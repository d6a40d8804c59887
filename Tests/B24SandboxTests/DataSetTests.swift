import B24
import B24Wire
import B24Sandbox
import Testing

@Suite struct DataSetTests {
    @Test func defaultFixtureRoundTrips() throws {
        let fixture = SandboxDataSet.default.fixture()
        let text = fixture.serialized()
        let back = try SandboxDataSet(fixture: try JSONValue.parse(text))
        #expect(back == SandboxDataSet.default)
        #expect(fixture["chats"]?[0] == ["id": 1763, "line": 1, "entity": ["type": "lead", "id": 1205],
                                         "members": [1, 503, 506], "active": true])
    }

    @Test func specExampleFixtureLoads() throws {
        let ds = try SandboxDataSet(fixture: try JSONValue.parse("""
            {"portal": "sandbox.example",
             "users":    [{"id": 1, "name": "Admin", "active": true, "admin": true, "bot": false},
                          {"id": 503, "name": "Agent"}],
             "webhooks": [{"user": 1, "code": "s3cret", "scopes": ["imopenlines", "crm", "user"]}],
             "lines":    [{"id": 1, "connector": "livechat", "title": "Live Chat", "managers": [1]}],
             "entities": [{"type": "lead", "id": 1205, "title": "Website inquiry", "responsible": 503, "access": [1, 503]}],
             "chats":    [{"id": 1763, "line": 1, "entity": {"type": "lead", "id": 1205}, "members": [1, 503], "active": true}],
             "limits":   {"plan": "enterprise", "operating_limit": 480}}
            """))
        let portal = SandboxPortal(dataSet: ds)
        #expect(portal.defaultWebhook == (1, "s3cret") || portal.defaultWebhook.code == "s3cret")
        #expect(portal.members(ofChat: 1763) == [1, 503])
        let o = try SandboxOptions().applying(fixtureLimits: ds.limits)
        #expect(o.plan == .enterprise && o.operatingLimit == 480 && o.effectiveBurst == 250)
    }

    @Test(arguments: [
        #"{"userz": []}"#,
        #"{"users": [{"id": "1", "name": "x"}]}"#,
        #"{"users": [{"id": 1}], "chats": [{"id": 5, "line": 9, "entity": {"type": "lead", "id": 1}, "members": [1]}]}"#,
        #"{"users": [{"id": 1}, {"id": 1}]}"#,
        #"{"webhooks": [{"user": 2, "code": "c", "scopes": []}]}"#,
        #"{"entities": [{"type": "invoice", "id": 1, "access": []}]}"#,
    ])
    func invalidFixturesAreRefused(_ text: String) throws {
        #expect(throws: SandboxDataSetError.self) { try SandboxDataSet(fixture: try JSONValue.parse(text)) }
    }

    @Test func inProcessModeActsAsFirstWebhook() async {
        let portal = SandboxPortal(options: .unlimited)
        #expect(portal.defaultWebhook.user == 1 && portal.defaultWebhook.code == "sandbox1admin")
        #expect(portal.portalHost == "sandbox.example")
        let r = await portal.handle(WireRequest(method: "POST", path: "/rest/1/sandbox1admin/imopenlines.crm.chat.user.delete",
                                                headers: [("Content-Type", "application/json")],
                                                body: Array(#"{"CRM_ENTITY_TYPE":"lead","CRM_ENTITY":1205,"USER_ID":503}"#.utf8)))
        #expect(r.status == 200)
        #expect(portal.members(ofChat: 1763) == [1, 506])
    }
}
