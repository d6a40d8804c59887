import B24
import B24Wire
import B24Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// The answers of a finished snapshot made into a sandbox data set (docs/snapshot.md, "What a
/// snapshot holds"), with what REST could not tell approximated and listed in its `snapshot`
/// object.
struct SnapshotAssembly {
    let checkpoint: SnapshotCheckpoint
    let request: SnapshotRequest
    var plan: SnapshotPlan { SnapshotPlan(request: request) }

    var takerID: Int64? { checkpoint.results["me"]?["ID"]?.intValue }

    /// The people `user.get` listed (employees: it leaves out bots and some other kinds).
    func listedUsers() -> [SandboxUser] {
        var out: [SandboxUser] = []
        var start: Int64 = 0
        var seen = Set<Int64>()
        while let page = checkpoint.results["users:\(start)"] {
            for row in page.arrayValue ?? [] {
                guard let id = row["ID"]?.intValue, id > 0, seen.insert(id).inserted else { continue }
                let name = [row["NAME"]?.stringValue, row["LAST_NAME"]?.stringValue].compactMap { $0 }
                    .filter { !$0.isEmpty }.joined(separator: " ")
                out.append(SandboxUser(id: id, name: name, active: Self.flag(row["ACTIVE"]) ?? true))
            }
            start += SnapshotPlan.pageSize
        }
        return out
    }

    /// `true`/`false`, or `Y`/`N` as older answers spell them.
    static func flag(_ v: JSONValue?) -> Bool? {
        switch v {
        case .bool(let b)?: b
        case .string(let s)?: s.uppercased() == "Y" || s == "1" || s.lowercased() == "true"
        case .int(let n)?: n != 0
        default: nil
        }
    }

    struct Chat {
        let id: Int64
        let entity: EntityRef
        let connector: String
        let line: Int64?
        let members: [Int64]
        let active: Bool
    }

    /// Every chat of every listed entity, in entity order then chat id.
    func chats() -> [Chat] {
        var out: [Chat] = []
        for e in plan.listed(checkpoint) {
            let rows = checkpoint.results[SnapshotPlan.chatsKey(e.ref)]?.arrayValue ?? []
            let active = Set(SnapshotPlan.chatIDs(checkpoint.results[SnapshotPlan.activeKey(e.ref)]))
            for row in rows {
                guard let id = row["CHAT_ID"]?.intValue, id > 0 else { continue }
                // `entity_id` of an Open Channel chat: `connector|line|…`.
                let parts = (checkpoint.results["dialog:\(id)"]?["entity_id"]?.stringValue ?? "")
                    .split(separator: "|", omittingEmptySubsequences: false)
                let line = parts.count > 1 ? Int64(parts[1]) : nil
                let connector = row["CONNECTOR_ID"]?.stringValue ?? (parts.first.map(String.init) ?? "")
                let members = (checkpoint.results["members:\(id)"]?.arrayValue ?? []).compactMap(\.intValue).filter { $0 > 0 }
                out.append(Chat(id: id, entity: e.ref, connector: connector, line: line, members: members,
                                active: active.contains(id)))
            }
        }
        return out
    }

    struct Line {
        let id: Int64
        let title: String
        let managers: [Int64]
    }

    func lines() -> [Line] {
        (checkpoint.results["lines"]?.arrayValue ?? []).compactMap { row in
            guard let id = row["ID"]?.intValue, id > 0 else { return nil }
            let queue = (row["QUEUE"]?.arrayValue ?? []).compactMap { $0.intValue ?? $0["USER_ID"]?.intValue }
            return Line(id: id, title: row["LINE_NAME"]?.stringValue ?? "", managers: queue.filter { $0 > 0 })
        }
    }

    /// Ids the data set names (taker, members, managers, responsible) that `user.get` did not list.
    func unlistedUserIDs() -> [Int64] {
        let known = Set(listedUsers().map(\.id))
        var wanted = Set<Int64>()
        if let t = takerID { wanted.insert(t) }
        for c in chats() { wanted.formUnion(c.members) }
        for l in lines() { wanted.formUnion(l.managers) }
        for e in plan.listed(checkpoint) where hasChats(e.ref) { if let r = e.responsible, r > 0 { wanted.insert(r) } }
        return wanted.subtracting(known).sorted()
    }

    func hasChats(_ ref: EntityRef) -> Bool { !SnapshotPlan.chatIDs(checkpoint.results[SnapshotPlan.chatsKey(ref)]).isEmpty }

    /// The messenger's records of the unlisted ids (`im.user.list.get`); nil values: no such user.
    func messengerUsers() -> [Int64: SandboxUser?] {
        var out: [Int64: SandboxUser?] = [:]
        for (key, value) in checkpoint.results where key.hasPrefix("ims:") {
            for (idText, row) in value.objectValue ?? [:] {
                guard let id = Int64(idText) else { continue }
                if row.isNull { out[id] = .some(nil); continue }
                out[id] = SandboxUser(id: id, name: row["name"]?.stringValue ?? "", active: Self.flag(row["active"]) ?? true,
                                      bot: Self.flag(row["bot"]) ?? false)
            }
        }
        return out
    }

    // MARK: The data set

    func dataSet(portal: String, takenAt: String, webhookCode: String) -> SandboxDataSet {
        var notes: [String] = []
        var users = listedUsers()
        let listedIDs = Set(users.map(\.id))
        var unreadable: [Int64] = []
        let messenger = messengerUsers()
        for id in unlistedUserIDs() where !listedIDs.contains(id) {
            if case .some(.some(let u)) = messenger[id] { users.append(u) } else {
                unreadable.append(id)
                users.append(SandboxUser(id: id, name: "", active: false))
            }
        }
        let taker = takerID ?? 0
        let takerAdmin = Self.flag(checkpoint.results["admin"]) ?? false
        if let i = users.firstIndex(where: { $0.id == taker }) { users[i].admin = takerAdmin }
        users.sort { $0.id < $1.id }
        let knownUsers = Set(users.map(\.id))
        if !unreadable.isEmpty {
            notes.append("users: \(unreadable.count) user(s) the data set names could not be read "
                         + "(\(Self.sample(unreadable))); recorded inactive, without a name")
        }
        notes.append("admin: only the snapshot user's own administrator flag can be read (user.admin); "
                     + "every other user is recorded as not an administrator")

        let readChats = chats()
        var lineRows = lines()
        var connectorOf: [Int64: String] = [:]
        for c in readChats { if let l = c.line, connectorOf[l] == nil, !c.connector.isEmpty { connectorOf[l] = c.connector } }
        // Sets beside the ordered lists: linear in chats, whatever the number of lines.
        var listedLines = Set(lineRows.map(\.id))
        var missingLines: [Int64] = []
        for c in readChats { if let l = c.line, listedLines.insert(l).inserted { missingLines.append(l) } }
        for l in missingLines { lineRows.append(Line(id: l, title: "", managers: [])) }
        if !missingLines.isEmpty {
            notes.append("lines: \(missingLines.count) line(s) of chats were not listed by imopenlines.config.list.get "
                         + "(\(Self.sample(missingLines))); recorded without a title or operators")
        }
        let dataLines = lineRows.sorted { $0.id < $1.id }.map {
            SandboxLine(id: $0.id, connector: connectorOf[$0.id] ?? "", title: $0.title,
                        managers: $0.managers.filter(knownUsers.contains))
        }
        let chatless = dataLines.filter { connectorOf[$0.id] == nil }.map(\.id)
        if !chatless.isEmpty {
            notes.append("connector: a line's connector is read from its chats; \(chatless.count) line(s) without chats "
                         + "here have none (\(Self.sample(chatless)))")
        }
        notes.append("line history: who may view a line's chat history cannot be read; the data set lets everyone")
        var chatLess: [Int64] = []
        let dataChats: [SandboxChat] = readChats.sorted { $0.id < $1.id }.compactMap { c in
            guard let line = c.line else { chatLess.append(c.id); return nil }
            return SandboxChat(id: c.id, line: line, entity: c.entity, members: c.members.filter(knownUsers.contains),
                               active: c.active)
        }
        if !chatLess.isEmpty {
            notes.append("chats: \(chatLess.count) chat(s) named no Open Channel line in im.dialog.get "
                         + "(\(Self.sample(chatLess))); left out")
        }

        var membersOf: [EntityRef: Set<Int64>] = [:]
        for c in dataChats { membersOf[c.entity, default: []].formUnion(c.members) }
        let bots = Set(users.filter(\.bot).map(\.id))
        var entities: [SandboxEntity] = []
        var droppedResponsible = 0
        for e in plan.listed(checkpoint) where membersOf[e.ref] != nil {
            var responsible = e.responsible.flatMap { $0 > 0 ? $0 : nil }
            if let r = responsible, !knownUsers.contains(r) { responsible = nil; droppedResponsible += 1 }
            // Exact for the snapshot's user; for others, those who evidently have it.
            // In this order: taker, responsible, members by id; each once (a set beside the
            // list, so an entity with many chat members costs linear time, not quadratic).
            var access: [Int64] = []
            var inAccess = Set<Int64>()
            func grant(_ id: Int64) { if inAccess.insert(id).inserted { access.append(id) } }
            if knownUsers.contains(taker) { grant(taker) }
            if let r = responsible { grant(r) }
            for m in (membersOf[e.ref] ?? []).sorted() where !bots.contains(m) { grant(m) }
            entities.append(SandboxEntity(e.ref.type, e.ref.id, title: e.title, responsible: responsible, access: access))
        }
        notes.append("access: per-entity access of other users cannot be read through REST; each entity lists the "
                     + "snapshot user (exact), its responsible user and the people in its chats")
        if droppedResponsible > 0 {
            notes.append("responsible: \(droppedResponsible) entit(ies) name a responsible user that could not be read; left out")
        }

        let takerName = users.first { $0.id == taker }?.name ?? ""
        var marker: JSONObject = [
            "portal": .string(portal), "taken_at": .string(checkpoint.startedAt),
            "taken_by": ["id": .int(taker), "name": .string(takerName), "admin": .bool(takerAdmin)],
            "entities": .array(request.types.map { .string($0.rawValue) }),
        ]
        if let f = request.filter { marker["filter"] = .object(f) }
        marker["anonymized"] = .bool(request.anonymize)
        marker["approximated"] = .array(notes.map { .string($0) })
        var ds = SandboxDataSet(
            portal: portal, users: users,
            webhooks: knownUsers.contains(taker)
                ? [SandboxWebhook(user: taker, code: webhookCode, scopes: ["imopenlines", "crm", "user", "im"])] : [],
            lines: dataLines, entities: entities, chats: dataChats, snapshot: marker)
        if request.anonymize { ds = Pseudonyms.applied(to: ds) }
        return ds
    }

    /// Up to five ids, for a note.
    static func sample(_ ids: [Int64]) -> String {
        ids.prefix(5).map(String.init).joined(separator: ", ") + (ids.count > 5 ? ", …" : "")
    }
}
