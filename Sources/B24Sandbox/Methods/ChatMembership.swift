import B24Wire

/// `imopenlines.crm.chat.*` (docs/bitrix24-rest.md §1, §2.1–2.3), each check in the order of the server code.
enum ChatMembership {
    /// The entity named by `CRM_ENTITY_TYPE`/`CRM_ENTITY`, or nil for an unknown type.
    static func ref(_ p: Params) -> EntityRef? {
        guard let t = CRMEntityType(rawValue: p.string("CRM_ENTITY_TYPE").lowercased()) else { return nil }
        return EntityRef(t, p.int("CRM_ENTITY"))
    }

    static func validEntityID(_ p: Params) -> Bool { p.isNumeric("CRM_ENTITY") && p.int("CRM_ENTITY") > 0 }

    /// `CHAT_ID` as given (> 0), or the entity's last chat; 0 when there is none.
    static func resolveChat(_ p: Params, _ ref: EntityRef, _ data: SandboxDataSet) throws(PortalError) -> SandboxChat? {
        let given = p.int("CHAT_ID")
        if given <= 0 { return data.lastChat(of: ref) }
        guard let i = data.chatIndex(given), data.chats[i].entity == ref else { throw .chatNotInCrm }
        return data.chats[i]
    }

    static func delete(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let userID = p.int("USER_ID")
        guard userID > 0 else { throw .emptyUser }
        guard !p.isEmpty("CRM_ENTITY_TYPE"), !p.isEmpty("CRM_ENTITY") else { throw .emptyCrmData }
        guard validEntityID(p) else { throw .invalidEntity }
        guard data.imInstalled else { throw .imNotInstalled }
        guard let ref = ref(p), data.canAccess(caller.user, ref) else { throw .joinDenied }
        guard let chat = try resolveChat(p, ref, data) else { return MethodResult(result: 0) }
        guard data.canManage(caller.user, line: chat.line) else { throw .deletePermissionDenied }
        guard let target = data.user(userID), target.active else { throw .userNotActive }
        let i = data.chatIndex(chat.id)!
        guard let at = data.chats[i].members.firstIndex(of: target.id) else { throw .notInChat }
        data.chats[i].members.remove(at: at)
        return MethodResult(result: .int(chat.id))
    }

    static func add(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        guard !p.isEmpty("CRM_ENTITY_TYPE") else { throw .nullEntityType }
        guard !p.isEmpty("CRM_ENTITY") else { throw .nullEntity }
        guard validEntityID(p) else { throw .invalidEntity }
        guard data.imInstalled else { throw .imNotInstalled }
        guard let ref = ref(p), data.canAccess(caller.user, ref) else { throw .joinDenied }
        guard let chat = try resolveChat(p, ref, data) else { return MethodResult(result: 0) }
        guard data.canManage(caller.user, line: chat.line) else { throw .joinDenied }
        let userID = p.int("USER_ID")
        guard userID > 0 else { throw .nullUser }
        guard let target = data.user(userID), target.active else { throw .userNotActive }
        // Bots are joined by the messenger itself; the CRM and history checks are for people.
        if !target.bot {
            guard data.canAccess(target.id, ref) else { throw .targetNoEntityAccess }
            guard data.canViewHistory(target.id, line: chat.line) else { throw .targetNoHistoryAccess }
        }
        let i = data.chatIndex(chat.id)!
        guard !data.chats[i].members.contains(target.id) else { throw .alreadyInChat }
        data.chats[i].members.append(target.id)
        return MethodResult(result: .int(chat.id))
    }

    static func get(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        guard !p.isEmpty("CRM_ENTITY_TYPE") else { throw .nullEntityType }
        guard !p.isEmpty("CRM_ENTITY") else { throw .nullEntity }
        guard validEntityID(p) else { throw .invalidEntity }
        guard let ref = ref(p) else { throw .actionDenied }
        guard data.entity(ref) != nil else { return MethodResult(result: []) }
        guard data.canAccess(caller.user, ref) else { throw .actionDenied }
        // Any value but 'N' means active chats only.
        let activeOnly = p.string("ACTIVE_ONLY").uppercased() != "N"
        let rows: [JSONValue] = data.chats(of: ref).filter { !activeOnly || $0.active }.map { chat in
            let line = data.line(chat.line)
            return ["CHAT_ID": .string(String(chat.id)), "CONNECTOR_ID": .string(line?.connector ?? ""),
                    "CONNECTOR_TITLE": .string(line?.title ?? "")]
        }
        return MethodResult(result: .array(rows))
    }

    static func lastID(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        guard !p.isEmpty("CRM_ENTITY_TYPE"), !p.isEmpty("CRM_ENTITY") else { throw .emptyCrmData }
        guard validEntityID(p) else { throw .invalidEntity }
        guard let ref = ref(p), data.canAccess(caller.user, ref), let chat = data.lastChat(of: ref) else {
            throw .crmEntityNotFound
        }
        return MethodResult(result: .int(chat.id))
    }
}
