import B24Wire

// A large portal made up for measurements and tests (`b24lua sandbox dump --generated N`,
// docs/snapshot.md): N CRM entities across the four types, each with one or two Open Channel
// chats on one of three lines, about 2.5 people a chat, bots included, some chats closed, some
// people inactive. The same N gives the same data set.
extension SandboxDataSet {
    public static func generated(entities count: Int) -> SandboxDataSet {
        var rng = SplitMix(seed: UInt64(count))
        var users = [SandboxUser(id: 1, name: "Portal Admin", admin: true)]
        let people = max(20, count / 20)
        for k in 0..<people {
            let id = Int64(100 + k)
            users.append(SandboxUser(id: id, name: "Agent \(k + 1) \(["North", "South", "East", "West"][k % 4])",
                                     active: k % 17 != 16))
        }
        users.append(SandboxUser(id: 90, name: "Support Bot", bot: true))
        users.append(SandboxUser(id: 91, name: "Survey Bot", bot: true))
        let activePeople = users.filter { $0.active && !$0.bot && !$0.admin }.map(\.id)
        let lines = [
            SandboxLine(id: 1, connector: "livechat", title: "Live Chat", managers: Array(activePeople.prefix(8))),
            SandboxLine(id: 2, connector: "telegrambot", title: "Telegram", managers: Array(activePeople.dropFirst(8).prefix(5))),
            SandboxLine(id: 3, connector: "whatsapp", title: "WhatsApp", managers: []),
        ]
        var entities: [SandboxEntity] = []
        var chats: [SandboxChat] = []
        var nextChat: Int64 = 10_000
        for k in 0..<count {
            let type = CRMEntityType.allCases[k % 4]
            let id = Int64(5_000 + k)
            let responsible = activePeople[Int(rng.next() % UInt64(activePeople.count))]
            var access: [Int64] = [1, responsible]
            let seen = activePeople[Int(rng.next() % UInt64(activePeople.count))]
            if !access.contains(seen) { access.append(seen) }
            entities.append(SandboxEntity(type, id, title: "\(type.rawValue.prefix(1).uppercased())\(type.rawValue.dropFirst()) \(k + 1) of \(count)",
                                          responsible: responsible, access: access))
            let chatCount = k % 10 == 0 ? 2 : 1
            for c in 0..<chatCount {
                var members: [Int64] = [responsible]
                if rng.next() % 2 == 0 { members.append(90) }
                if rng.next() % 2 == 0, seen != responsible { members.append(seen) }
                if rng.next() % 5 == 0 { members.append(91) }
                if rng.next() % 4 == 0 { members.insert(1, at: 0) }
                chats.append(SandboxChat(id: nextChat, line: Int64(1 + (k + c) % 3), entity: EntityRef(type, id),
                                         members: members, active: !(chatCount == 2 && c == 0)))
                nextChat += 1
            }
        }
        return SandboxDataSet(
            portal: "generated.example", users: users,
            webhooks: [SandboxWebhook(user: 1, code: defaultWebhookCode, scopes: ["imopenlines", "crm", "user", "im"])],
            lines: lines, entities: entities, chats: chats)
    }
}

/// A small deterministic generator (SplitMix64): the same seed, the same data set, everywhere;
/// the tests' random walks use it too, so a failure can be replayed from its seed.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
