import Testing
@testable import B24
@testable import B24Wire

/// The method catalog (docs/method-catalog.md): one answer per fact, whatever the spelling.
@Suite struct MethodCatalogTests {
    static let add = "imopenlines.crm.chat.user.add", delete = "imopenlines.crm.chat.user.delete"

    @Test(arguments: ["user.get", "User.Get.json", "USER.GET", "user.get.json"])
    func spellingsOfOneMethodAreOne(_ m: String) {
        #expect(MethodCatalog.normalized(m) == "user.get")
        #expect(MethodCatalog.effect(of: m) == .read)
    }

    @Test func spellingsOfAWriteKeepItsFacts() {
        for m in [Self.add, "IMOPENLINES.CRM.CHAT.USER.ADD.JSON", "imopenlines.crm.chat.user.Add.json"] {
            #expect(MethodCatalog.effect(of: m) == .idempotentWrite, "\(m)")
            #expect(MethodCatalog.inverse(of: m) == Self.delete, "\(m)")
            #expect(MethodCatalog.resolution(of: m) != nil, "\(m)")
        }
        // `.json` on its own is not a method with the suffix removed twice.
        #expect(MethodCatalog.normalized("a.json.json") == "a.json")
    }

    @Test func everyInverseIsKnownAndTakesItBack() {
        for (name, entry) in MethodCatalog.entries {
            guard let inverse = entry.inverse else { continue }
            let back = MethodCatalog.entry(inverse)
            #expect(back?.inverse == name, "\(name) ↔ \(inverse)")
            #expect(back?.effect.isWrite == true)
            #expect(back?.leavesMember.map { !$0 } == entry.leavesMember)
        }
    }

    @Test func resolutionNamesTheChatOrAsksTheLookup() {
        let r = MethodCatalog.resolution(of: Self.delete)!
        #expect(r.named(in: ["CHAT_ID": 1763]) == .int(1763))
        #expect(r.named(in: ["chat_id": "1763"]) == .int(1763), "keys are case-insensitive, numbers may be strings")
        #expect(r.named(in: ["CHAT_ID": 0]) == nil, "0 is the portal's 'pick the last chat'")
        #expect(r.named(in: [:]) == nil)
        #expect(r.lookupParams(["crm_entity_type": "lead", "CRM_ENTITY": 1205, "USER_ID": 503])
                == ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205])
        #expect(MethodCatalog.effect(of: r.lookup) == .read)
    }

    @Test func theInverseCallCarriesTheIdentityAndTheChatActedOn() {
        let original: JSONValue = ["crm_entity_type": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "extra": "x"]
        let known = MethodCatalog.inverseCall(of: Self.delete, params: original, actedOn: .int(1763))
        #expect(known?.method == Self.add)
        #expect(known?.params == ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 503, "CHAT_ID": 1763])
        let unknown = MethodCatalog.inverseCall(of: Self.delete, params: original, actedOn: nil)
        #expect(unknown?.params["CHAT_ID"] == nil, "the portal picks the same last chat again")
        #expect(MethodCatalog.inverseCall(of: "crm.lead.add", params: [:], actedOn: .int(1)) == nil)
        #expect(MethodCatalog.actedOn(Self.delete, params: ["CHAT_ID": 1801], result: nil) == .int(1801))
        #expect(MethodCatalog.actedOn(Self.delete, params: ["CHAT_ID": 1801], result: .int(1763)) == .int(1763))
    }

    @Test func unknownMethodsAreWritesUnlessTheirNameSaysRead() {
        #expect(MethodCatalog.effect(of: "crm.lead.add") == .write)
        #expect(MethodCatalog.effect(of: "batch") == .write)
        #expect(MethodCatalog.effect(of: "im.chat.user.list") == .read)
        #expect(MethodCatalog.effect(of: MethodCatalog.membersMethod) == .read)
    }

    @Test func theBatchLimitsAreThePortals() {
        #expect(MethodCatalog.batchLimit == 50)
        #expect(B24Client.batchLimit == MethodCatalog.batchLimit)
        #expect(MethodCatalog.batchesInFlight == 4)
    }
}
