import B24Wire

/// The reads `b24lua snapshot` makes besides the CRM and chat methods (docs/snapshot.md), each
/// answered in the shape a portal gives (docs/sandbox-fidelity.md says where that shape is the
/// sandbox's own reading of the documentation).
enum SnapshotReads {
    /// `user.admin` (scope basic): whether the caller is an administrator; a bare boolean.
    static func userAdmin(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        MethodResult(result: .bool(data.isAdmin(caller.user)))
    }

    /// `imopenlines.config.list.get`: every line, ids as strings, `ACTIVE` as `Y`, the line's
    /// name as `LINE_NAME`, and its queue of operators (`QUEUE`, ids as strings) when
    /// `OPTIONS[QUEUE]` is `Y`. Not paged: the method returns all lines at once.
    static func configList(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let options = p["OPTIONS"]?.objectValue.map { Params(object: $0) }
        let withQueue = options?.string("QUEUE").uppercased() == "Y"
        let rows: [JSONValue] = data.lines.sorted { $0.id < $1.id }.map { line in
            var o: JSONObject = ["ID": .string(String(line.id)), "ACTIVE": "Y", "LINE_NAME": .string(line.title)]
            if withQueue { o["QUEUE"] = .array(line.managers.map { .string(String($0)) }) }
            return .object(o)
        }
        return MethodResult(result: .array(rows))
    }

    /// `im.dialog.get` with `DIALOG_ID=chatN`: an Open Channel chat names its connector and line
    /// in `entity_id` (`connector|line|…`), as the messenger stores it.
    static func dialogGet(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let dialog = p.string("DIALOG_ID")
        guard !dialog.isEmpty else { throw .dialogIdEmpty }
        guard dialog.lowercased().hasPrefix("chat"), let id = Int64(dialog.dropFirst(4)), let i = data.chatIndex(id) else {
            throw .chatAccessError
        }
        let chat = data.chats[i]
        guard data.isAdmin(caller.user) || chat.members.contains(caller.user) else { throw .chatAccessError }
        let connector = data.line(chat.line)?.connector ?? ""
        return MethodResult(result: [
            "id": .int(chat.id), "name": .string("Open Channel chat \(chat.id)"), "owner": 0, "type": "lines",
            "message_type": "L", "entity_type": "LINES",
            "entity_id": .string("\(connector)|\(chat.line)|\(chat.entity.id)|\(chat.id)"),
            "dialog_id": .string("chat\(chat.id)"),
        ])
    }

    /// `im.user.list.get` with `ID[]`: each id's messenger record (bots included, unlike
    /// `user.get`), keyed by id; `null` for an id that names no user.
    static func userListGet(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let ids = p["ID"]?.arrayValue ?? p["ID"]?.objectValue.map { $0.members.map(\.value) } ?? []
        guard !ids.isEmpty else { throw .userIdEmpty }
        var out = JSONObject()
        for v in ids {
            let id = PHP.intval(v)
            guard id > 0 else { continue }
            out[String(id)] = data.user(id).map(imUser) ?? .null
        }
        return MethodResult(result: .object(out))
    }

    static func imUser(_ u: SandboxUser) -> JSONValue {
        let parts = u.name.split(separator: " ", maxSplits: 1).map(String.init)
        return ["id": .int(u.id), "active": .bool(u.active), "name": .string(u.name),
                "first_name": .string(parts.first ?? ""), "last_name": .string(parts.count > 1 ? parts[1] : ""),
                "bot": .bool(u.bot), "connector": false, "extranet": false, "network": false,
                "external_auth_id": .string(u.bot ? "bot" : "default")]
    }
}

extension PortalError {
    static let dialogIdEmpty = PortalError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    static let userIdEmpty = PortalError(400, "ID_EMPTY", "User ID can't be empty")
}
