import B24Wire

/// The part of a data set that REST reads exactly, as `b24lua snapshot` reads it
/// (docs/snapshot.md, "What a snapshot holds"): the people (bots only where a chat, line or
/// entity names them, since `user.get` lists no bots), the lines, the entities of the given types
/// that have chats, and those chats. Left out: other users' admin flags and per-entity access,
/// lines' history lists, the connector of a line without chats, webhooks, apps and limits.
/// Two data sets with equal views hold the same portal as far as REST can tell.
public struct ReadableView: Equatable, Sendable, CustomStringConvertible {
    public struct User: Equatable, Sendable { let id: Int64; let name: String; let active: Bool; let bot: Bool; let admin: Bool? }
    public struct Line: Equatable, Sendable { let id: Int64; let title: String; let managers: [Int64]; let connector: String? }
    public struct Entity: Equatable, Sendable { let ref: EntityRef; let title: String; let responsible: Int64? }

    public let users: [User]
    public let lines: [Line]
    public let entities: [Entity]
    public let chats: [SandboxChat]

    /// `taker`: the user whose admin flag a snapshot reads (`user.admin`).
    public init(_ d: SandboxDataSet, taker: Int64, types: [CRMEntityType] = CRMEntityType.allCases) {
        let chats = d.chats.filter { types.contains($0.entity.type) }.sorted { $0.id < $1.id }
        let withChats = Set(chats.map(\.entity))
        entities = d.entities.filter { withChats.contains($0.ref) }
            .sorted { ($0.ref.type.entityTypeId, $0.ref.id) < ($1.ref.type.entityTypeId, $1.ref.id) }
            .map { Entity(ref: $0.ref, title: $0.title ?? "", responsible: $0.responsible) }
        var named = Set(chats.flatMap(\.members))
        named.formUnion(d.lines.flatMap(\.managers))
        named.formUnion(entities.compactMap(\.responsible))
        named.insert(taker)
        users = d.users.filter { !$0.bot || named.contains($0.id) }.sorted { $0.id < $1.id }.map {
            User(id: $0.id, name: $0.name, active: $0.active, bot: $0.bot, admin: $0.id == taker ? $0.admin : nil)
        }
        let connected = Set(chats.map(\.line))
        lines = d.lines.sorted { $0.id < $1.id }.map {
            Line(id: $0.id, title: $0.title, managers: $0.managers, connector: connected.contains($0.id) ? $0.connector : nil)
        }
        self.chats = chats
    }

    public var memberships: Int { chats.reduce(0) { $0 + $1.members.count } }

    public var description: String {
        "\(users.count) users, \(lines.count) lines, \(entities.count) entities, \(chats.count) chats, \(memberships) memberships"
    }

    /// The first difference, for a test's message.
    public func firstDifference(from other: ReadableView) -> String? {
        if users != other.users { return "users: " + Self.first(users, other.users) }
        if lines != other.lines { return "lines: " + Self.first(lines, other.lines) }
        if entities != other.entities { return "entities: " + Self.first(entities, other.entities) }
        if chats != other.chats { return "chats: " + Self.first(chats, other.chats) }
        return nil
    }

    static func first<T: Equatable>(_ a: [T], _ b: [T]) -> String {
        for (x, y) in zip(a, b) where x != y { return "\(x) vs \(y)" }
        return "\(a.count) vs \(b.count) records"
    }
}
