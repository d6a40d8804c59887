import B24Wire

/// What differs between two data sets, chat by chat (`b24lua diff`, docs/snapshot.md): who
/// left and who joined each chat, chats that appeared or went, chats closed or reopened. Users,
/// entities and lines themselves are not compared: the diff answers "what did the script do
/// to the chats". Where one side is a snapshot of some entity types only, or of a filtered
/// list, only what both sides cover is compared.
public struct DataSetDiff: Sendable {
    public enum Kind: String, Sendable { case changed, added, removed }

    public struct Member: Sendable, Equatable {
        public let id: Int64
        public let name: String
    }

    public struct ChatChange: Sendable {
        public let chat: Int64
        public let entity: EntityRef
        public let line: String
        public let kind: Kind
        public let removed: [Member]
        public let added: [Member]
        /// (before, after) when the chat was closed or reopened.
        public let active: (Bool, Bool)?
        /// (before, after) when the chat moved to another line or entity.
        public let moved: (String, String)?
    }

    public let changes: [ChatChange]
    public var isEmpty: Bool { changes.isEmpty }

    public init(_ a: SandboxDataSet, _ b: SandboxDataSet) {
        let covered = Coverage(a, b)
        let chatsA = Dictionary(a.chats.filter { covered.contains($0.entity, a, b) }.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let chatsB = Dictionary(b.chats.filter { covered.contains($0.entity, a, b) }.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let namesA = Dictionary(a.users.map { ($0.id, $0.name) }, uniquingKeysWith: { x, _ in x })
        let namesB = Dictionary(b.users.map { ($0.id, $0.name) }, uniquingKeysWith: { x, _ in x })
        func member(_ id: Int64, _ first: [Int64: String], _ second: [Int64: String]) -> Member {
            let n = first[id].flatMap { $0.isEmpty ? nil : $0 } ?? second[id] ?? ""
            return Member(id: id, name: n)
        }
        func lineTitle(_ c: SandboxChat, _ d: SandboxDataSet) -> String {
            let t = d.line(c.line)?.title ?? ""
            return t.isEmpty ? "line \(c.line)" : t
        }
        var out: [ChatChange] = []
        for id in Set(chatsA.keys).union(chatsB.keys) {
            switch (chatsA[id], chatsB[id]) {
            case (let x?, let y?):
                // Sets: a chat's member list comes from the portal and may be huge.
                let inX = Set(x.members), inY = Set(y.members)
                let removed = x.members.filter { !inY.contains($0) }.map { member($0, namesA, namesB) }
                let added = y.members.filter { !inX.contains($0) }.map { member($0, namesB, namesA) }
                let active = x.active == y.active ? nil : (x.active, y.active)
                let whereX = "\(x.entity.type.rawValue) \(x.entity.id) line \(x.line)"
                let whereY = "\(y.entity.type.rawValue) \(y.entity.id) line \(y.line)"
                guard !removed.isEmpty || !added.isEmpty || active != nil || whereX != whereY else { continue }
                out.append(ChatChange(chat: id, entity: y.entity, line: lineTitle(y, b), kind: .changed, removed: removed,
                                      added: added, active: active, moved: whereX == whereY ? nil : (whereX, whereY)))
            case (let x?, nil):
                out.append(ChatChange(chat: id, entity: x.entity, line: lineTitle(x, a), kind: .removed,
                                      removed: x.members.map { member($0, namesA, namesB) }, added: [], active: nil, moved: nil))
            case (nil, let y?):
                out.append(ChatChange(chat: id, entity: y.entity, line: lineTitle(y, b), kind: .added, removed: [],
                                      added: y.members.map { member($0, namesB, namesA) }, active: nil, moved: nil))
            case (nil, nil):
                continue
            }
        }
        let order = Dictionary(uniqueKeysWithValues: CRMEntityType.allCases.enumerated().map { ($0.element, $0.offset) })
        changes = out.sorted {
            (order[$0.entity.type]!, $0.entity.id, $0.chat) < (order[$1.entity.type]!, $1.entity.id, $1.chat)
        }
    }

    /// What both sides cover: a snapshot names its entity types and filter in its `snapshot`
    /// object; a filtered snapshot covers only the entities it lists.
    struct Coverage {
        var types: Set<CRMEntityType> = Set(CRMEntityType.allCases)
        var filteredA = false
        var filteredB = false

        init(_ a: SandboxDataSet, _ b: SandboxDataSet) {
            for s in [a.snapshot, b.snapshot] {
                guard let names = s?["entities"]?.arrayValue else { continue }
                types.formIntersection(names.compactMap { $0.stringValue.flatMap(CRMEntityType.init(rawValue:)) })
            }
            filteredA = a.snapshot?["filter"].map { !$0.isNull } ?? false
            filteredB = b.snapshot?["filter"].map { !$0.isNull } ?? false
        }

        func contains(_ ref: EntityRef, _ a: SandboxDataSet, _ b: SandboxDataSet) -> Bool {
            guard types.contains(ref.type) else { return false }
            if filteredA && a.entity(ref) == nil { return false }
            if filteredB && b.entity(ref) == nil { return false }
            return true
        }
    }

    // MARK: Output

    /// `lead 1205 chat 1763 (Live Chat): − 503 Anna Petrova, + 504 Boris Ivanov`, one line a chat.
    public func lines() -> [String] {
        changes.map { c in
            let head = "\(c.entity.type.rawValue) \(c.entity.id) chat \(c.chat) (\(c.line)): "
            func names(_ ms: [Member]) -> [String] { ms.map { $0.name.isEmpty ? "\($0.id)" : "\($0.id) \($0.name)" } }
            switch c.kind {
            case .added:
                return head + "new chat" + (c.added.isEmpty ? "" : ": " + names(c.added).joined(separator: ", "))
            case .removed:
                return head + "gone" + (c.removed.isEmpty ? "" : " (had " + names(c.removed).joined(separator: ", ") + ")")
            case .changed:
                var parts = c.removed.map { "− " + ($0.name.isEmpty ? "\($0.id)" : "\($0.id) \($0.name)") }
                parts += c.added.map { "+ " + ($0.name.isEmpty ? "\($0.id)" : "\($0.id) \($0.name)") }
                if let active = c.active { parts.append(active.0 ? "closed" : "reopened") }
                if let moved = c.moved { parts.append("moved from \(moved.0) to \(moved.1)") }
                return head + parts.joined(separator: ", ")
            }
        }
    }

    /// `N chats differ: R removed, A added`.
    public var summary: String {
        let removed = changes.reduce(0) { $0 + $1.removed.count }
        let added = changes.reduce(0) { $0 + $1.added.count }
        return "\(changes.count) chat\(changes.count == 1 ? "" : "s") differ: \(removed) member\(removed == 1 ? "" : "s") "
            + "removed, \(added) added"
    }

    /// `--json`: `{"equal", "a", "b", "chats": [...], "summary"}`.
    public func json(a: String, b: String) -> JSONValue {
        func members(_ ms: [Member]) -> JSONValue { .array(ms.map { ["id": .int($0.id), "name": .string($0.name)] }) }
        let chats: [JSONValue] = changes.map { c in
            var o: JSONObject = ["chat": .int(c.chat),
                                 "entity": ["type": .string(c.entity.type.rawValue), "id": .int(c.entity.id)],
                                 "line": .string(c.line), "change": .string(c.kind.rawValue),
                                 "removed": members(c.removed), "added": members(c.added)]
            if let active = c.active { o["active"] = ["a": .bool(active.0), "b": .bool(active.1)] }
            if let moved = c.moved { o["moved"] = ["a": .string(moved.0), "b": .string(moved.1)] }
            return .object(o)
        }
        return ["equal": .bool(isEmpty), "a": .string(a), "b": .string(b), "chats": .array(chats),
                "summary": ["chats": .int(Int64(changes.count)),
                            "removed": .int(Int64(changes.reduce(0) { $0 + $1.removed.count })),
                            "added": .int(Int64(changes.reduce(0) { $0 + $1.added.count }))]]
    }
}
