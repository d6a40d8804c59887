import B24Wire

/// A fixture that does not describe a consistent portal; the message names the offending record.
public struct SandboxDataSetError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "invalid sandbox fixture: \(message)" }
}

// Reading and writing the fixture JSON of README "The sandbox portal". Unknown top-level keys are refused so a typo in
// a hand-written fixture is not silently ignored.
extension SandboxDataSet {
    static let topLevelKeys: Set<String> = ["portal", "users", "webhooks", "apps", "lines", "entities", "chats",
                                            "im_installed", "missing_methods", "limits", "snapshot"]

    public init(fixture: JSONValue) throws(SandboxDataSetError) {
        guard let root = fixture.objectValue else { throw SandboxDataSetError(message: "the fixture must be a JSON object") }
        for key in root.keys where !Self.topLevelKeys.contains(key) {
            throw SandboxDataSetError(message: "unknown key '\(key)'")
        }
        let r = FixtureReader()
        let portal = try r.string(root["portal"], "portal", default: "sandbox.example")
        let users = try r.list(root["users"], "users") { v, p throws(SandboxDataSetError) in
            SandboxUser(id: try r.id(v["id"], "\(p).id"), name: try r.string(v["name"], "\(p).name", default: ""),
                        active: try r.bool(v["active"], "\(p).active", default: true),
                        admin: try r.bool(v["admin"], "\(p).admin", default: false),
                        bot: try r.bool(v["bot"], "\(p).bot", default: false))
        }
        let webhooks = try r.list(root["webhooks"], "webhooks") { v, p throws(SandboxDataSetError) in
            SandboxWebhook(user: try r.id(v["user"], "\(p).user"), code: try r.string(v["code"], "\(p).code"),
                           scopes: try r.strings(v["scopes"], "\(p).scopes"))
        }
        let apps = try r.list(root["apps"], "apps") { v, p throws(SandboxDataSetError) in
            SandboxApp(clientID: try r.string(v["client_id"], "\(p).client_id"),
                       clientSecret: try r.string(v["client_secret"], "\(p).client_secret"),
                       user: try r.id(v["user"], "\(p).user"), scopes: try r.strings(v["scopes"], "\(p).scopes"),
                       accessToken: try r.string(v["access_token"], "\(p).access_token"),
                       refreshToken: try r.string(v["refresh_token"], "\(p).refresh_token"))
        }
        let lines = try r.list(root["lines"], "lines") { v, p throws(SandboxDataSetError) in
            SandboxLine(id: try r.id(v["id"], "\(p).id"), connector: try r.string(v["connector"], "\(p).connector"),
                        title: try r.string(v["title"], "\(p).title", default: ""),
                        managers: try r.ids(v["managers"], "\(p).managers"),
                        history: v["history"] == nil ? nil : try r.ids(v["history"], "\(p).history"))
        }
        let entities = try r.list(root["entities"], "entities") { v, p throws(SandboxDataSetError) in
            let ref = try r.ref(v, p)
            return SandboxEntity(ref.type, ref.id,
                                 title: v["title"] == nil ? nil : try r.string(v["title"], "\(p).title"),
                                 responsible: v["responsible"] == nil ? nil : try r.id(v["responsible"], "\(p).responsible"),
                                 access: try r.ids(v["access"], "\(p).access"))
        }
        let chats = try r.list(root["chats"], "chats") { v, p throws(SandboxDataSetError) in
            guard let e = v["entity"] else { throw SandboxDataSetError(message: "\(p).entity is missing") }
            return SandboxChat(id: try r.id(v["id"], "\(p).id"), line: try r.id(v["line"], "\(p).line"),
                               entity: try r.ref(e, "\(p).entity"), members: try r.ids(v["members"], "\(p).members"),
                               active: try r.bool(v["active"], "\(p).active", default: true))
        }
        let im = try r.bool(root["im_installed"], "im_installed", default: true)
        let missing = root["missing_methods"] == nil ? [] : try r.strings(root["missing_methods"], "missing_methods")
        guard root["limits"] == nil || root["limits"]?.objectValue != nil else {
            throw SandboxDataSetError(message: "limits must be an object")
        }
        guard root["snapshot"] == nil || root["snapshot"]?.objectValue != nil else {
            throw SandboxDataSetError(message: "snapshot must be an object")
        }
        self.init(portal: portal, users: users, webhooks: webhooks, apps: apps, lines: lines, entities: entities,
                  chats: chats, imInstalled: im, missingMethods: Set(missing), limits: root["limits"]?.objectValue ?? [:],
                  snapshot: root["snapshot"]?.objectValue)
        try validate()
    }

    /// Every reference must point at a record that exists, and ids must be unique.
    func validate() throws(SandboxDataSetError) {
        func unique<T: Hashable>(_ xs: [T], _ what: String) throws(SandboxDataSetError) {
            var seen = Set<T>()
            for x in xs where !seen.insert(x).inserted { throw SandboxDataSetError(message: "duplicate \(what) \(x)") }
        }
        try unique(users.map(\.id), "user id")
        try unique(lines.map(\.id), "line id")
        try unique(entities.map(\.ref), "entity")
        try unique(chats.map(\.id), "chat id")
        try unique(webhooks.map { "\($0.user)/\($0.code)" }, "webhook")
        let userIDs = Set(users.map(\.id))
        func known(_ ids: [Int64], _ where_: String) throws(SandboxDataSetError) {
            for id in ids where !userIDs.contains(id) { throw SandboxDataSetError(message: "\(where_): unknown user \(id)") }
        }
        for w in webhooks { try known([w.user], "webhook \(w.code)") }
        for a in apps { try known([a.user], "app \(a.clientID)") }
        for l in lines { try known(l.managers + (l.history ?? []), "line \(l.id)") }
        for e in entities { try known(e.access + (e.responsible.map { [$0] } ?? []), "\(e.ref.type.rawValue) \(e.ref.id)") }
        for c in chats {
            try known(c.members, "chat \(c.id)")
            if line(c.line) == nil { throw SandboxDataSetError(message: "chat \(c.id): unknown line \(c.line)") }
            if entity(c.entity) == nil {
                throw SandboxDataSetError(message: "chat \(c.id): unknown entity \(c.entity.type.rawValue) \(c.entity.id)")
            }
        }
    }

    /// The data set as fixture JSON (what `sandbox dump` prints and `GET /_sandbox/state` returns).
    public func fixture() -> JSONValue {
        func ids(_ xs: [Int64]) -> JSONValue { .array(xs.map { .int($0) }) }
        func strs(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
        var root: JSONObject = ["portal": .string(portal)]
        root["users"] = .array(users.map {
            ["id": .int($0.id), "name": .string($0.name), "active": .bool($0.active), "admin": .bool($0.admin),
             "bot": .bool($0.bot)]
        })
        root["webhooks"] = .array(webhooks.map { ["user": .int($0.user), "code": .string($0.code), "scopes": strs($0.scopes)] })
        if !apps.isEmpty {
            root["apps"] = .array(apps.map {
                ["client_id": .string($0.clientID), "client_secret": .string($0.clientSecret), "user": .int($0.user),
                 "scopes": strs($0.scopes), "access_token": .string($0.accessToken), "refresh_token": .string($0.refreshToken)]
            })
        }
        root["lines"] = .array(lines.map {
            var o: JSONObject = ["id": .int($0.id), "connector": .string($0.connector), "title": .string($0.title),
                                 "managers": ids($0.managers)]
            if let h = $0.history { o["history"] = ids(h) }
            return .object(o)
        })
        root["entities"] = .array(entities.map {
            var o: JSONObject = ["type": .string($0.ref.type.rawValue), "id": .int($0.ref.id)]
            if let t = $0.title { o["title"] = .string(t) }
            if let r = $0.responsible { o["responsible"] = .int(r) }
            o["access"] = ids($0.access)
            return .object(o)
        })
        root["chats"] = .array(chats.map {
            ["id": .int($0.id), "line": .int($0.line),
             "entity": ["type": .string($0.entity.type.rawValue), "id": .int($0.entity.id)],
             "members": ids($0.members), "active": .bool($0.active)]
        })
        if !imInstalled { root["im_installed"] = false }
        if !missingMethods.isEmpty { root["missing_methods"] = strs(missingMethods.sorted()) }
        if !limits.isEmpty { root["limits"] = .object(limits) }
        if let snapshot { root["snapshot"] = .object(snapshot) }
        return .object(root)
    }
}

/// Typed field readers that name the path of a bad value in their error.
struct FixtureReader {
    func fail(_ path: String, _ what: String) -> SandboxDataSetError { SandboxDataSetError(message: "\(path) \(what)") }

    func list<T>(_ v: JSONValue?, _ path: String, _ each: (JSONValue, String) throws(SandboxDataSetError) -> T)
        throws(SandboxDataSetError) -> [T]
    {
        guard let v else { return [] }
        guard let a = v.arrayValue else { throw fail(path, "must be an array") }
        var out: [T] = []
        for (i, e) in a.enumerated() {
            guard e.objectValue != nil else { throw fail("\(path)[\(i)]", "must be an object") }
            out.append(try each(e, "\(path)[\(i)]"))
        }
        return out
    }

    func id(_ v: JSONValue?, _ path: String) throws(SandboxDataSetError) -> Int64 {
        guard case .int(let n)? = v, n > 0 else { throw fail(path, "must be a positive integer") }
        return n
    }

    func ids(_ v: JSONValue?, _ path: String) throws(SandboxDataSetError) -> [Int64] {
        guard let v else { return [] }
        guard let a = v.arrayValue else { throw fail(path, "must be an array of ids") }
        var out: [Int64] = []
        for e in a { out.append(try id(e, path)) }
        return out
    }

    func string(_ v: JSONValue?, _ path: String, default d: String? = nil) throws(SandboxDataSetError) -> String {
        if v == nil, let d { return d }
        guard let s = v?.stringValue else { throw fail(path, "must be a string") }
        return s
    }

    func strings(_ v: JSONValue?, _ path: String) throws(SandboxDataSetError) -> [String] {
        guard let a = v?.arrayValue else { throw fail(path, "must be an array of strings") }
        var out: [String] = []
        for e in a {
            guard let s = e.stringValue else { throw fail(path, "must be an array of strings") }
            out.append(s)
        }
        return out
    }

    func bool(_ v: JSONValue?, _ path: String, default d: Bool) throws(SandboxDataSetError) -> Bool {
        guard let v else { return d }
        guard let b = v.boolValue else { throw fail(path, "must be true or false") }
        return b
    }

    func ref(_ v: JSONValue, _ path: String) throws(SandboxDataSetError) -> EntityRef {
        let t = try string(v["type"], "\(path).type")
        guard let type = CRMEntityType(rawValue: t) else { throw fail("\(path).type", "must be lead, deal, contact or company") }
        return EntityRef(type, try id(v["id"], "\(path).id"))
    }
}
