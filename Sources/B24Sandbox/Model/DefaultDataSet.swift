import B24Wire

// The documented default portal (README "The sandbox portal"). The seed example works on it
// (lead 1205, user 503, chat 1763) and every error of docs/bitrix24-rest.md §1–2 is reachable.
extension SandboxDataSet {
    public static let defaultWebhookCode = "sandbox1admin"

    public static let `default`: SandboxDataSet = {
        let allScopes = ["imopenlines", "crm", "user", "im"]
        var users: [SandboxUser] = [
            SandboxUser(id: 1, name: "Portal Admin", admin: true),
            SandboxUser(id: 503, name: "Anna Petrova"),           // line 1 manager, sees the seed lead
            SandboxUser(id: 504, name: "Boris Ivanov"),           // in no chat
            SandboxUser(id: 505, name: "Clara Smirnova", active: false),
            SandboxUser(id: 506, name: "Support Bot", bot: true),
            SandboxUser(id: 507, name: "Dmitry Orlov"),           // owner of a webhook without imopenlines
            SandboxUser(id: 508, name: "Elena Kuznetsova"),       // 503's replacement: sees what 503 sees, in no chat
        ]
        // Enough employees for user.get to have a second page.
        users += (1001...1060).map { SandboxUser(id: Int64($0), name: "Employee \($0)") }

        var entities: [SandboxEntity] = [
            SandboxEntity(.lead, 1205, title: "Website inquiry", responsible: 503, access: [1, 503, 508]),
            SandboxEntity(.lead, 1206, title: "Phone call, no chat yet", responsible: 503, access: [1, 503, 508]),
            SandboxEntity(.deal, 2001, title: "Annual contract", responsible: 503, access: [1, 503, 508]),
            SandboxEntity(.contact, 3001, title: "Ivan Sidorov", responsible: 503, access: [1, 503, 504, 508]),
            SandboxEntity(.company, 4001, title: "Acme LLC", responsible: 1, access: [1]),
        ]
        var chats: [SandboxChat] = [
            SandboxChat(id: 1763, line: 1, entity: EntityRef(.lead, 1205), members: [1, 503, 506]),
            SandboxChat(id: 1800, line: 1, entity: EntityRef(.deal, 2001), members: [1, 503], active: false),
            SandboxChat(id: 1801, line: 1, entity: EntityRef(.deal, 2001), members: [1, 503, 506]),
            SandboxChat(id: 1900, line: 2, entity: EntityRef(.contact, 3001), members: [1, 506]),
            SandboxChat(id: 1950, line: 1, entity: EntityRef(.company, 4001), members: [1]),
        ]
        // Bulk leads, each with one chat holding the bot, for b24.each / batch demos and paging.
        for k in 0..<60 {
            entities.append(SandboxEntity(.lead, Int64(1300 + k), title: "Bulk lead \(k + 1)", responsible: 503,
                                          access: [1, 503, 508]))
            chats.append(SandboxChat(id: Int64(2300 + k), line: 1, entity: EntityRef(.lead, Int64(1300 + k)),
                                     members: [1, 503, 506]))
        }
        return SandboxDataSet(
            portal: "sandbox.example",
            users: users,
            webhooks: [
                SandboxWebhook(user: 1, code: defaultWebhookCode, scopes: allScopes),
                SandboxWebhook(user: 503, code: "sandbox503agent", scopes: allScopes),
                SandboxWebhook(user: 507, code: "sandbox507crm", scopes: ["crm", "user"]),
            ],
            apps: [
                SandboxApp(clientID: "local.sandbox.app", clientSecret: "sandbox-app-secret", user: 1, scopes: allScopes,
                           accessToken: "sandbox-access-token", refreshToken: "sandbox-refresh-token"),
            ],
            lines: [
                SandboxLine(id: 1, connector: "livechat", title: "Live Chat", managers: [503]),
                SandboxLine(id: 2, connector: "telegrambot", title: "Telegram", managers: [], history: []),
            ],
            entities: entities,
            chats: chats
        )
    }()
}
