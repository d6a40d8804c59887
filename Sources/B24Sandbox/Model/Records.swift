import B24Wire

// The records of a portal, as the fixture JSON names them (README "The sandbox portal").

public enum CRMEntityType: String, Sendable, CaseIterable {
    case lead, deal, contact, company

    /// `crm.item.*` numbers them (docs/bitrix24-rest.md §2.4).
    public var entityTypeId: Int64 {
        switch self {
        case .lead: 1
        case .deal: 2
        case .contact: 3
        case .company: 4
        }
    }

    public init?(entityTypeId: Int64) {
        guard let t = Self.allCases.first(where: { $0.entityTypeId == entityTypeId }) else { return nil }
        self = t
    }
}

public struct SandboxUser: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var active = true
    public var admin = false
    public var bot = false

    public init(id: Int64, name: String, active: Bool = true, admin: Bool = false, bot: Bool = false) {
        self.id = id; self.name = name; self.active = active; self.admin = admin; self.bot = bot
    }
}

public struct SandboxWebhook: Sendable, Equatable {
    public var user: Int64
    public var code: String
    public var scopes: [String]

    public init(user: Int64, code: String, scopes: [String]) {
        self.user = user; self.code = code; self.scopes = scopes
    }
}

/// An OAuth application installed on the portal, with the token pair it starts with.
public struct SandboxApp: Sendable, Equatable {
    public var clientID: String
    public var clientSecret: String
    public var user: Int64
    public var scopes: [String]
    public var accessToken: String
    public var refreshToken: String

    public init(clientID: String, clientSecret: String, user: Int64, scopes: [String],
                accessToken: String, refreshToken: String) {
        self.clientID = clientID; self.clientSecret = clientSecret; self.user = user; self.scopes = scopes
        self.accessToken = accessToken; self.refreshToken = refreshToken
    }
}

public struct SandboxLine: Sendable, Equatable {
    public var id: Int64
    public var connector: String
    public var title: String
    public var managers: [Int64]
    /// Who may view the line's chat history besides admins and managers; nil means everyone.
    public var history: [Int64]?

    public init(id: Int64, connector: String, title: String, managers: [Int64], history: [Int64]? = nil) {
        self.id = id; self.connector = connector; self.title = title; self.managers = managers; self.history = history
    }
}

public struct EntityRef: Sendable, Hashable {
    public var type: CRMEntityType
    public var id: Int64
    public init(_ type: CRMEntityType, _ id: Int64) { self.type = type; self.id = id }
}

public struct SandboxEntity: Sendable, Equatable {
    public var ref: EntityRef
    public var title: String?
    public var responsible: Int64?
    public var access: [Int64]

    public init(_ type: CRMEntityType, _ id: Int64, title: String? = nil, responsible: Int64? = nil, access: [Int64]) {
        self.ref = EntityRef(type, id); self.title = title; self.responsible = responsible; self.access = access
    }
}

public struct SandboxChat: Sendable, Equatable {
    public var id: Int64
    public var line: Int64
    public var entity: EntityRef
    public var members: [Int64]
    public var active: Bool

    public init(id: Int64, line: Int64, entity: EntityRef, members: [Int64], active: Bool = true) {
        self.id = id; self.line = line; self.entity = entity; self.members = members; self.active = active
    }
}
