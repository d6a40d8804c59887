@testable import B24Sandbox
import B24
import B24Wire
import Testing

/// A handful of parameters is scanned, more are folded into a dictionary once: both must find
/// names as PHP's handlers do (case-insensitively, the first spelling winning).
@Suite struct ParamsLookupTests {
    static func object(_ extra: Int) -> JSONObject {
        var o: JSONObject = ["crm_entity_type": "lead", "Crm_Entity": 1205, "CRM_ENTITY": 9, "ÜSER": "u"]
        for i in 0..<extra { o["filler_\(i)"] = .int(Int64(i)) }
        return o
    }

    @Test(arguments: [0, Params.scanned, 40])
    func caseInsensitiveFirstSpellingWins(extra: Int) {
        let p = Params(object: Self.object(extra))
        #expect(p["CRM_ENTITY_TYPE"] == "lead")
        #expect(p["crm_entity"] == 1205, "the first spelling wins")
        #expect(p["CRM_ENTITY"] == 9, "an exact name is taken first")
        #expect(p["üser"] == "u")
        #expect(p["USER_ID"] == nil)
        #expect(p["crm_entity_typ"] == nil)
        #expect(p.int("Crm_Entity") == 1205)
    }
}
