import B24Wire

/// Everything a portal holds: the fixture JSON of README "The sandbox portal" as values. The portal mutates a copy
/// (chat membership) and keeps the original for `reset`.
public struct SandboxDataSet: Sendable, Equatable {
    public var portal: String
    public var users: [SandboxUser]
    public var webhooks: [SandboxWebhook]
    public var apps: [SandboxApp]
    public var lines: [SandboxLine]
    public var entities: [SandboxEntity]
    public var chats: [SandboxChat]
    /// Fixture key `"im_installed": false` simulates a portal without the messenger (IM_NOT_INSTALLED).
    public var imInstalled: Bool
    /// Fixture key `"missing_methods"`: methods this portal does not have (a module not installed,
    /// an older version), answered `ERROR_METHOD_NOT_FOUND` called alone or in a batch. Normalized
    /// names (`MethodName.normalized`).
    public var missingMethods: Set<String> {
        didSet { missingMethods = Set(missingMethods.map(MethodName.normalized)) }
    }
    /// The fixture's `"limits"` object, read by `SandboxOptions.applying(fixtureLimits:)`.
    public var limits: JSONObject
    /// The fixture's `"snapshot"` object: set when the data set was copied from a portal
    /// (`b24lua snapshot`, docs/snapshot.md): where from, when, by whom, what was approximated.
    /// The portal only carries it; nothing it answers depends on it.
    public var snapshot: JSONObject?

    public init(portal: String = "sandbox.example", users: [SandboxUser], webhooks: [SandboxWebhook],
                apps: [SandboxApp] = [], lines: [SandboxLine], entities: [SandboxEntity], chats: [SandboxChat],
                imInstalled: Bool = true, missingMethods: Set<String> = [], limits: JSONObject = [:],
                snapshot: JSONObject? = nil) {
        self.portal = portal; self.users = users; self.webhooks = webhooks; self.apps = apps; self.lines = lines
        self.entities = entities; self.chats = chats; self.imInstalled = imInstalled; self.limits = limits
        self.missingMethods = Set(missingMethods.map(MethodName.normalized)); self.snapshot = snapshot
    }
}

// MARK: - Lookups and the permission rules of README "The sandbox portal"

extension SandboxDataSet {
    func user(_ id: Int64) -> SandboxUser? { users.first { $0.id == id } }
    func line(_ id: Int64) -> SandboxLine? { lines.first { $0.id == id } }
    func entity(_ ref: EntityRef) -> SandboxEntity? { entities.first { $0.ref == ref } }
    func chatIndex(_ id: Int64) -> Int? { chats.firstIndex { $0.id == id } }

    func chats(of ref: EntityRef) -> [SandboxChat] {
        chats.filter { $0.entity == ref }.sorted { $0.id < $1.id }
    }

    /// "An entity's last chat is the chat bound to it with the highest id."
    func lastChat(of ref: EntityRef) -> SandboxChat? { chats(of: ref).last }

    func isAdmin(_ userID: Int64) -> Bool { user(userID)?.admin == true }

    /// Admins see every entity, even one that does not exist (CRM checks permissions, not existence).
    func canAccess(_ userID: Int64, _ ref: EntityRef) -> Bool {
        if isAdmin(userID) { return true }
        return entity(ref)?.access.contains(userID) == true
    }

    func canManage(_ userID: Int64, line id: Int64) -> Bool {
        if isAdmin(userID) { return true }
        return line(id)?.managers.contains(userID) == true
    }

    func canViewHistory(_ userID: Int64, line id: Int64) -> Bool {
        guard let l = line(id) else { return false }
        guard let allowed = l.history else { return true }
        return isAdmin(userID) || l.managers.contains(userID) || allowed.contains(userID)
    }
}
