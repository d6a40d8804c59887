import B24Wire

/// `user.get`, `user.search`, `user.current` (docs/bitrix24-rest.md §2.4): users sorted by id, bots excluded from
/// lists, `ID` as a string and `ACTIVE` as a bool, pages of 50.
enum UserMethods {
    static func render(_ u: SandboxUser) -> JSONValue {
        let parts = u.name.split(separator: " ", maxSplits: 1).map(String.init)
        return ["ID": .string(String(u.id)), "ACTIVE": .bool(u.active), "NAME": .string(parts.first ?? ""),
                "LAST_NAME": .string(parts.count > 1 ? parts[1] : ""), "EMAIL": .string("user\(u.id)@sandbox.example"),
                "IS_ONLINE": "N", "USER_TYPE": .string(u.bot ? "bot" : "employee"), "ADMIN": .bool(u.admin)]
    }

    static let controlKeys: Set<String> = ["sort", "order", "start", "admin_mode", "select", "image_resize", "auth",
                                           "filter", "find", "access_token"]

    static func get(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        // FILTER, or the filter fields given at the top level (the older calling style).
        var filter = p["FILTER"]?.objectValue ?? [:]
        if p["FILTER"] == nil {
            for m in p.object where !controlKeys.contains(m.key.lowercased()) { filter[m.key] = m.value }
        }
        var rows = data.users.filter { !$0.bot && matches($0, filter) }
        sort(&rows, p)
        return Paging.page(rows, start: p["start"], render)
    }

    static func search(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        let filter = p["FILTER"]?.objectValue ?? [:]
        let find = (Params(object: filter)["FIND"] ?? p["FIND"])?.stringValue?.lowercased()
        var rows = data.users.filter { u in
            guard !u.bot else { return false }
            if let find { return u.name.lowercased().contains(find) }
            return matches(u, filter)
        }
        sort(&rows, p)
        return Paging.page(rows, start: p["start"], render)
    }

    static func current(_ data: inout SandboxDataSet, _ caller: Caller, _ p: Params) throws(PortalError) -> MethodResult {
        guard let u = data.user(caller.user) else { throw .noAuth }
        return MethodResult(result: render(u))
    }

    static func sort(_ rows: inout [SandboxUser], _ p: Params) {
        if p.string("order").uppercased() == "DESC" { rows.sort { $0.id > $1.id } } else { rows.sort { $0.id < $1.id } }
    }

    /// The filter keys scripts use: ID (with `>`, `>=`, `<`, `<=`, `!` and lists), ACTIVE,
    /// NAME / LAST_NAME (exact, `%` for substring), NAME_SEARCH, USER_TYPE. Unknown keys match nothing,
    /// as an unknown field in a portal's SQL filter would.
    static func matches(_ u: SandboxUser, _ filter: JSONObject) -> Bool {
        let rendered = render(u)
        for (rawKey, value) in filter {
            var key = Substring(rawKey.uppercased())
            var op = ""
            while let c = key.first, "<>=!%@".contains(c) { op.append(c); key = key.dropFirst() }
            switch key {
            case "ID":
                if !compare(u.id, op, value) { return false }
            case "ACTIVE":
                let want = value.boolValue ?? ["Y", "TRUE", "1"].contains(PHPString(value).uppercased())
                if (u.active == want) == (op == "!") { return false }
            case "NAME", "LAST_NAME", "EMAIL", "USER_TYPE":
                let field = (rendered[String(key)]?.stringValue ?? "").lowercased()
                let v = PHPString(value).lowercased()
                let hit = op.contains("%") ? field.contains(v) : field == v
                if hit == op.hasPrefix("!") { return false }
            case "NAME_SEARCH":
                if !u.name.lowercased().contains(PHPString(value).lowercased()) { return false }
            default:
                return false
            }
        }
        return true
    }

    static func compare(_ id: Int64, _ op: String, _ value: JSONValue) -> Bool {
        if let list = value.arrayValue { return list.contains { PHP.intval($0) == id } != (op == "!") }
        let v = PHP.intval(value)
        switch op {
        case ">": return id > v
        case ">=": return id >= v
        case "<": return id < v
        case "<=": return id <= v
        case "!", "!=": return id != v
        default: return id == v
        }
    }
}

func PHPString(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): s
    case .int(let n): String(n)
    case .double(let d): String(d)
    case .bool(let b): b ? "Y" : "N"
    default: ""
    }
}
