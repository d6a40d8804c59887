import B24
import B24Wire
import B24Sandbox

/// One read of a snapshot: a REST method and its parameters under a key that names what it
/// reads (`chats:lead:1205`), so its answer can be found again in the checkpoint.
struct SnapshotRead: Sendable {
    let key: String
    let method: String
    let params: JSONValue

    var command: BatchCommand { BatchCommand(key: key, method: method, params: params) }
}

/// The reads of each phase, derived from the answers of the phases before it (docs/snapshot.md,
/// "What it reads"). Only reads: every method here is a read in the method catalog.
struct SnapshotPlan {
    let request: SnapshotRequest
    static let pageSize = Int64(MethodCatalog.pageSize)

    /// Who takes the snapshot, the first page of users and of each entity type, the lines.
    func first() -> [SnapshotRead] {
        var reads = [
            SnapshotRead(key: "me", method: "user.current", params: [:]),
            SnapshotRead(key: "admin", method: "user.admin", params: [:]),
            SnapshotRead(key: "lines", method: "imopenlines.config.list.get", params: ["OPTIONS": ["QUEUE": "Y"]]),
            usersPage(0),
        ]
        reads += request.types.map { listPage($0, 0) }
        return reads
    }

    /// The next pages to read, from the totals of the first ones, but never trusted beyond what
    /// the pages show (docs/snapshot.md, "A hostile or broken portal"): a list ends at a page
    /// shorter than a page or one that brings no id not seen before (a portal that overstates
    /// its total or answers the same page again), and no list asks for more than a round of
    /// pages ahead of those read. Empty when every list is read to its end; `Snapshot.take`
    /// asks again after each batch of pages.
    func pages(_ c: SnapshotCheckpoint) -> [SnapshotRead] {
        var reads = Self.unread(c, key: { "users:\($0)" }, rows: { $0.arrayValue ?? [] }, id: "ID", read: usersPage)
        for t in request.types {
            reads += Self.unread(c, key: { Self.listKey(t, $0) }, rows: { $0["items"]?.arrayValue ?? [] }, id: "id",
                                 read: { listPage(t, $0) })
        }
        return reads
    }

    /// One list's pages after the first that are not read yet, up to its end as far as it is known.
    static func unread(_ c: SnapshotCheckpoint, key: (Int64) -> String, rows: (JSONValue) -> [JSONValue], id: String,
                       read: (Int64) -> SnapshotRead) -> [SnapshotRead] {
        let total = c.totals[key(0)] ?? 0
        var seen = Set<Int64>()
        var out: [SnapshotRead] = []
        var start: Int64 = 0
        while start < total, out.count < Snapshot.round {
            if let page = c.results[key(start)] {
                let items = rows(page)
                let fresh = items.compactMap { $0[id]?.intValue }.filter { seen.insert($0).inserted }.count
                if items.count < Int(pageSize) || fresh == 0 { break }
            } else if start == 0 {
                break
            } else {
                out.append(read(start))
            }
            start += pageSize
        }
        return out
    }

    /// Every listed entity's chats, active or not.
    func chatLists(_ c: SnapshotCheckpoint) -> [SnapshotRead] {
        listed(c).map { e in
            SnapshotRead(key: Self.chatsKey(e.ref), method: "imopenlines.crm.chat.get",
                         params: ["CRM_ENTITY_TYPE": .string(e.ref.type.rawValue), "CRM_ENTITY": .int(e.ref.id),
                                  "ACTIVE_ONLY": "N"])
        }
    }

    /// For the entities that have chats: which are active; for every chat: its line, its members.
    func chatDetails(_ c: SnapshotCheckpoint) -> [SnapshotRead] {
        var reads: [SnapshotRead] = []
        for e in listed(c) {
            let chats = Self.chatIDs(c.results[Self.chatsKey(e.ref)])
            guard !chats.isEmpty else { continue }
            reads.append(SnapshotRead(key: Self.activeKey(e.ref), method: "imopenlines.crm.chat.get",
                                      params: ["CRM_ENTITY_TYPE": .string(e.ref.type.rawValue), "CRM_ENTITY": .int(e.ref.id),
                                               "ACTIVE_ONLY": "Y"]))
            for chat in chats {
                reads.append(SnapshotRead(key: "dialog:\(chat)", method: "im.dialog.get",
                                          params: ["DIALOG_ID": .string("chat\(chat)")]))
                reads.append(SnapshotRead(key: "members:\(chat)", method: "im.chat.user.list",
                                          params: ["CHAT_ID": .int(chat)]))
            }
        }
        return reads
    }

    /// The people the snapshot names that `user.get` does not list (bots, for one), 50 at a time.
    func otherUsers(_ c: SnapshotCheckpoint) -> [SnapshotRead] {
        let ids = SnapshotAssembly(checkpoint: c, request: request).unlistedUserIDs()
        return stride(from: 0, to: ids.count, by: Int(Self.pageSize)).map { i in
            let part = ids[i..<min(i + Int(Self.pageSize), ids.count)]
            return SnapshotRead(key: "ims:\(i / Int(Self.pageSize))", method: "im.user.list.get",
                                params: ["ID": .array(part.map { .int($0) })])
        }
    }

    // MARK: Keys and pages

    func usersPage(_ start: Int64) -> SnapshotRead {
        SnapshotRead(key: "users:\(start)", method: "user.get", params: ["sort": "ID", "order": "ASC", "start": .int(start)])
    }

    func listPage(_ type: CRMEntityType, _ start: Int64) -> SnapshotRead {
        var params: JSONObject = ["entityTypeId": .int(type.entityTypeId), "select": ["id", "title", "assignedById"],
                                  "order": ["id": "ASC"], "start": .int(start)]
        if let f = request.filter { params["filter"] = .object(f) }
        return SnapshotRead(key: Self.listKey(type, start), method: "crm.item.list", params: .object(params))
    }

    static func listKey(_ t: CRMEntityType, _ start: Int64) -> String { "list:\(t.rawValue):\(start)" }
    static func chatsKey(_ r: EntityRef) -> String { "chats:\(r.type.rawValue):\(r.id)" }
    static func activeKey(_ r: EntityRef) -> String { "active:\(r.type.rawValue):\(r.id)" }

    /// The listed entities, in type order then id, each once.
    func listed(_ c: SnapshotCheckpoint) -> [ListedEntity] {
        var out: [ListedEntity] = []
        for t in request.types {
            var seen = Set<Int64>()
            var start: Int64 = 0
            while let page = c.results[Self.listKey(t, start)] {
                for item in page["items"]?.arrayValue ?? [] {
                    guard let id = item["id"]?.intValue, id > 0, seen.insert(id).inserted else { continue }
                    out.append(ListedEntity(ref: EntityRef(t, id), title: Self.title(item),
                                            responsible: item["assignedById"]?.intValue))
                }
                start += Self.pageSize
            }
        }
        return out
    }

    /// `title`; contacts have none on a portal, their name instead.
    static func title(_ item: JSONValue) -> String? {
        if let t = item["title"]?.stringValue, !t.isEmpty { return t }
        let name = [item["name"]?.stringValue, item["lastName"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        return name.isEmpty ? nil : name.joined(separator: " ")
    }

    /// `CHAT_ID`s of a `chat.get` answer (strings on the wire).
    static func chatIDs(_ answer: JSONValue?) -> [Int64] {
        (answer?.arrayValue ?? []).compactMap { $0["CHAT_ID"]?.intValue }.filter { $0 > 0 }
    }
}

struct ListedEntity {
    let ref: EntityRef
    let title: String?
    let responsible: Int64?
}
