import B24Wire

typealias MethodHandler = @Sendable (inout SandboxDataSet, Caller, Params) throws(PortalError) -> MethodResult

/// One REST method the sandbox implements: the scope a webhook or token needs, and the handler.
struct MethodSpec: Sendable {
    var scope: String
    var handler: MethodHandler
    /// Its place in `MethodTable.names`: what a request's operating budget and statistics are
    /// kept under once the name was looked up, so that it is hashed once per request
    /// (docs/performance.md).
    var id = 0
}

/// Every method the sandbox answers (names lower-case: the server lower-cases the method).
/// `batch` is not here: the portal runs it itself, since it calls back into this table.
enum MethodTable {
    static let basicScope = "basic"

    /// The methods by name.
    static let all: [String: MethodSpec] = Dictionary(uniqueKeysWithValues: list.enumerated().map { i, m in
        var spec = m.value
        spec.id = i
        return (m.key, spec)
    })

    /// The names, by `MethodSpec.id`.
    static let names: [String] = list.map(\.key)

    private static let list: KeyValuePairs<String, MethodSpec> = [
        "imopenlines.crm.chat.user.delete": MethodSpec(scope: "imopenlines", handler: ChatMembership.delete),
        "imopenlines.crm.chat.user.add": MethodSpec(scope: "imopenlines", handler: ChatMembership.add),
        "imopenlines.crm.chat.get": MethodSpec(scope: "imopenlines", handler: ChatMembership.get),
        "imopenlines.crm.chat.getlastid": MethodSpec(scope: "imopenlines", handler: ChatMembership.lastID),
        "user.get": MethodSpec(scope: "user", handler: UserMethods.get),
        "user.search": MethodSpec(scope: "user", handler: UserMethods.search),
        "user.current": MethodSpec(scope: basicScope, handler: UserMethods.current),
        "crm.lead.get": MethodSpec(scope: "crm", handler: CRMMethods.legacyGet(.lead)),
        "crm.deal.get": MethodSpec(scope: "crm", handler: CRMMethods.legacyGet(.deal)),
        "crm.contact.get": MethodSpec(scope: "crm", handler: CRMMethods.legacyGet(.contact)),
        "crm.company.get": MethodSpec(scope: "crm", handler: CRMMethods.legacyGet(.company)),
        "crm.item.get": MethodSpec(scope: "crm", handler: CRMMethods.itemGet),
        "crm.item.list": MethodSpec(scope: "crm", handler: CRMMethods.itemList),
        "im.chat.user.list": MethodSpec(scope: "im", handler: IMMethods.chatUserList),
        // The further reads of `b24lua snapshot` (docs/snapshot.md).
        "user.admin": MethodSpec(scope: basicScope, handler: SnapshotReads.userAdmin),
        "imopenlines.config.list.get": MethodSpec(scope: "imopenlines", handler: SnapshotReads.configList),
        "im.dialog.get": MethodSpec(scope: "im", handler: SnapshotReads.dialogGet),
        "im.user.list.get": MethodSpec(scope: "im", handler: SnapshotReads.userListGet),
    ]

    /// The methods here that change the portal, as the method catalog classifies them for the
    /// client too (docs/method-catalog.md): the two cannot disagree about what writes.
    static let writes: Set<String> = Set(all.keys.filter(MethodCatalog.isWrite))
}
