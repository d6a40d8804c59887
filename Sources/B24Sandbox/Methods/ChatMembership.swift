import B24Wire

/// `imopenlines.crm.chat.*` (docs/bitrix24-rest.md §1, §2.1–2.3), each check in the order of the server code.
enum ChatMembership {
    /// `CRM_ENTITY_TYPE` and `CRM_ENTITY`, each looked up once: the checks read them several times,
    /// and a lookup compares names (docs/performance.md).
    struct Entity {
        let type: JSONValue?
        let id: JSONValue?

        init(_ p: Params) {
            type = p["CRM_ENTITY_TYPE"]
            id = p["CRM_ENTITY"]
        }

        /// The entity named, or nil for an unknown type.
        var ref: EntityRef? {
            guard let t = CRMEntityType(rawValue: PHP.string(type).lowercased()) else { return nil }
            return EntityRef(t, PHP.intval(id))
        }

        var validID: Bool { PHP.isNumeric(id) && PHP.intval(id) > 0 }
    }

    /// `CHAT_ID` as given (> 0), or the entity's last chat; nil when there is none. Its place in
    /// `chats`, its id and line, not a copy of it: a copy alive while the members change would
    /// make the change copy the member list (docs/performance.md).
    static func resolveChat(_ p: Params, _ ref: EntityRef, _ data: SandboxDataSet) throws(PortalError)
        -> (index: Int, id: Int64, line: Int64)?
    {
        let given = p.int("CHAT_ID")
        if given <= 0 {
            guard let last = data.lastChat(of: ref) else { return nil }
            return (data.chatIndex(last.id)!, last.id, last.line)
        }
        guard let i = data.chatIndex(given), data.chats[i].entity == ref else { throw .chatNotInCrm }
        return (i, data.chats[i].id, data.chats[i].line)
    }

    static func delete(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let userID = p.int("USER_ID")
        guard userID > 0 else { throw .emptyUser }
        let entity = Entity(p)
        guard !PHP.isEmpty(entity.type), !PHP.isEmpty(entity.id) else { throw .emptyCrmData }
        guard entity.validID else { throw .invalidEntity }
        guard data.imInstalled else { throw .imNotInstalled }
        guard let ref = entity.ref, data.canAccess(caller.user, ref) else { throw .joinDenied }
        guard let chat = try resolveChat(p, ref, data) else { return MethodResult(result: 0) }
        guard data.canManage(caller.user, line: chat.line) else { throw .deletePermissionDenied }
        guard let target = data.user(userID), target.active else { throw .userNotActive }
        let i = chat.index
        guard let at = data.chats[i].members.firstIndex(of: target.id) else { throw .notInChat }
        data.chats[i].members.remove(at: at)
        return MethodResult(result: .int(chat.id))
    }

    static func add(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let entity = Entity(p)
        guard !PHP.isEmpty(entity.type) else { throw .nullEntityType }
        guard !PHP.isEmpty(entity.id) else { throw .nullEntity }
        guard entity.validID else { throw .invalidEntity }
        guard data.imInstalled else { throw .imNotInstalled }
        guard let ref = entity.ref, data.canAccess(caller.user, ref) else { throw .joinDenied }
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
        let i = chat.index
        guard !data.chats[i].members.contains(target.id) else { throw .alreadyInChat }
        data.chats[i].members.append(target.id)
        return MethodResult(result: .int(chat.id))
    }

    static func get(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let entity = Entity(p)
        guard !PHP.isEmpty(entity.type) else { throw .nullEntityType }
        guard !PHP.isEmpty(entity.id) else { throw .nullEntity }
        guard entity.validID else { throw .invalidEntity }
        guard let ref = entity.ref else { throw .actionDenied }
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
        let entity = Entity(p)
        guard !PHP.isEmpty(entity.type), !PHP.isEmpty(entity.id) else { throw .emptyCrmData }
        guard entity.validID else { throw .invalidEntity }
        guard let ref = entity.ref, data.canAccess(caller.user, ref), let chat = data.lastChat(of: ref) else {
            throw .crmEntityNotFound
        }
        return MethodResult(result: .int(chat.id))
    }
}
