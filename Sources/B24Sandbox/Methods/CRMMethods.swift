import B24Wire

/// `crm.{lead,deal,contact,company}.get` and `crm.item.get` / `crm.item.list`: enough of CRM to
/// resolve and enumerate the entities whose chats scripts maintain.
enum CRMMethods {
    /// The legacy `crm.<type>.get` methods (error codes are empty strings, docs/bitrix24-rest.md §2.4).
    static func legacyGet(_ type: CRMEntityType) -> MethodHandler {
        { data, caller, p throws(PortalError) in
            let id = p.int("id")
            guard id > 0 else { throw .crmIdInvalid }
            let ref = EntityRef(type, id)
            guard let e = data.entity(ref) else { throw .crmNotFound }
            guard data.canAccess(caller.user, ref) else { throw .crmAccessDenied }
            return MethodResult(result: legacy(e, data))
        }
    }

    static func legacy(_ e: SandboxEntity, _ data: SandboxDataSet) -> JSONValue {
        var o: JSONObject = ["ID": .string(String(e.ref.id))]
        o[e.ref.type == .contact ? "NAME" : "TITLE"] = .string(e.title ?? "")
        o["ASSIGNED_BY_ID"] = e.responsible.map { .string(String($0)) } ?? .null
        let chats = data.chats(of: e.ref)
        if e.ref.type == .lead { o["HAS_IMOL"] = chats.isEmpty ? "N" : "Y" }
        o["IM"] = .array(chats.map { c in
            let connector = data.line(c.line)?.connector ?? ""
            return ["ID": .string(String(c.id)), "VALUE_TYPE": "OPENLINE", "TYPE_ID": "IM",
                    "VALUE": .string("imol|\(connector)|\(c.line)|\(e.ref.id)|\(c.id)")]
        })
        return .object(o)
    }

    static func item(_ e: SandboxEntity) -> JSONValue {
        ["id": .int(e.ref.id), "entityTypeId": .int(e.ref.type.entityTypeId), "title": .string(e.title ?? ""),
         "assignedById": e.responsible.map { .int($0) } ?? .null]
    }

    static func entityType(_ p: Params) throws(PortalError) -> CRMEntityType {
        guard !p.isEmpty("entityTypeId") else { throw .argumentNull("entityTypeId") }
        guard let t = CRMEntityType(entityTypeId: p.int("entityTypeId")) else {
            throw .entityTypeNotSupported(p.string("entityTypeId"))
        }
        return t
    }

    static func itemGet(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let type = try entityType(p)
        guard !p.isEmpty("id") else { throw .argumentNull("id") }
        let ref = EntityRef(type, p.int("id"))
        guard let e = data.entity(ref) else { throw .itemNotFound }
        guard data.canAccess(caller.user, ref) else { throw .itemAccessDenied }
        return MethodResult(result: ["item": item(e)])
    }

    static func itemList(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let type = try entityType(p)
        let filter = p["filter"]?.objectValue ?? [:]
        var rows = data.entities.filter { e in
            e.ref.type == type && data.canAccess(caller.user, e.ref) && matches(e, filter)
        }
        let desc = p["order"]?.objectValue?.members.first.map { PHPString($0.value).uppercased() == "DESC" } ?? false
        rows.sort { desc ? $0.ref.id > $1.ref.id : $0.ref.id < $1.ref.id }
        var page = Paging.page(rows, start: p["start"], item)
        page.result = ["items": page.result]
        return page
    }

    /// Filter keys: `id`, `title`, `assignedById`, with the prefixes `=`, `!`, `>`, `>=`, `<`, `<=`,
    /// `@` (in list) and `%` (substring, title only). Unknown keys match nothing.
    static func matches(_ e: SandboxEntity, _ filter: JSONObject) -> Bool {
        for (rawKey, value) in filter {
            var key = Substring(rawKey)
            var op = ""
            while let c = key.first, "<>=!%@".contains(c) { op.append(c); key = key.dropFirst() }
            switch key.lowercased() {
            case "id":
                if !UserMethods.compare(e.ref.id, op == "@" || op == "=" ? "" : op, value) { return false }
            case "assignedbyid":
                guard let r = e.responsible else { return false }
                if !UserMethods.compare(r, op == "@" || op == "=" ? "" : op, value) { return false }
            case "title":
                let t = (e.title ?? "").lowercased()
                let v = PHPString(value).lowercased()
                let hit = op.contains("%") ? t.contains(v) : t == v
                if hit == op.hasPrefix("!") { return false }
            default:
                return false
            }
        }
        return true
    }
}

/// `im.chat.user.list`: the members of a chat the caller can see.
enum IMMethods {
    static func chatUserList(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let id = p.int("CHAT_ID")
        guard id > 0 else { throw .chatIdEmpty }
        guard let i = data.chatIndex(id) else { throw .chatAccessError }
        let chat = data.chats[i]
        guard data.isAdmin(caller.user) || chat.members.contains(caller.user) else { throw .chatAccessError }
        return MethodResult(result: .array(chat.members.map { .int($0) }))
    }
}
