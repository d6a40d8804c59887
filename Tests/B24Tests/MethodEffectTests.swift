import Testing
@testable import B24
@testable import B24Wire

@Suite struct MethodEffectTests {
    @Test func readsAndWrites() {
        for m in ["user.get", "user.search", "user.current", "imopenlines.crm.chat.get", "imopenlines.crm.chat.getLastId",
                  "crm.item.list", "im.chat.user.list", "crm.lead.fields", "User.Get.json"] {
            #expect(MethodCatalog.effect(of: m) == .read, "\(m)")
        }
        for m in ["imopenlines.crm.chat.user.add", "imopenlines.crm.chat.user.delete", "crm.lead.add", "crm.lead.update",
                  "im.message.add", "batch", "crm.item.delete"] {
            #expect(MethodCatalog.effect(of: m) != .read, "\(m)")
        }
        #expect(MethodEffect(method: "imopenlines.crm.chat.user.delete") == .idempotentWrite)
        #expect(MethodEffect(method: "crm.lead.add") == .write)
        #expect(MethodEffect(batchOf: ["user.get", "imopenlines.crm.chat.user.add"]) == .idempotentWrite)
        #expect(MethodEffect(batchOf: ["user.get", "crm.lead.add"]) == .write)
        #expect(MethodEffect(batchOf: ["user.get"]) == .read)
    }
}
