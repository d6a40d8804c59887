import B24
import B24Wire
@testable import B24Sandbox
import Testing

/// The sandbox and the client agree on which methods write: both read the method catalog in
/// B24Wire (docs/method-catalog.md).
@Suite struct MethodTableCatalogTests {
    @Test func theSandboxsWritesAreTheCatalogs() {
        #expect(MethodTable.writes == ["imopenlines.crm.chat.user.delete", "imopenlines.crm.chat.user.add"])
        for name in MethodTable.all.keys {
            #expect(MethodTable.writes.contains(name) == MethodCatalog.isWrite(name), "\(name)")
        }
        for (name, entry) in MethodCatalog.entries where entry.effect.isWrite {
            #expect(MethodTable.all[name] != nil, "the sandbox answers every write the catalog knows: \(name)")
        }
    }
}
