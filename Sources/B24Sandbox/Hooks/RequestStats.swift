import B24Wire

/// Counts of answered requests, for `GET /_sandbox/state`. A client can make up any number of
/// method names, so past `maxMethods` distinct names the rest are counted under "(other)".
struct RequestStats {
    static let maxMethods = 256
    static let other = "(other)"

    var requests = 0
    var byStatus: [Int: Int] = [:]
    /// The names outside the method table.
    private var byName: [String: Int] = [:]
    /// The method table's own methods, by `MethodSpec.id` (nil: not counted yet): counted
    /// without hashing their names again (docs/performance.md).
    private var byID = [Int?](repeating: nil, count: MethodTable.names.count)
    /// How many of `byID` are counted.
    private var idsCounted = 0

    /// The distinct names counted so far, "(other)" included.
    private var distinct: Int { byName.count + idsCounted }

    /// `known`: the method's `MethodSpec.id`, given for every request of a method-table method
    /// (`SandboxPortal.record`).
    mutating func record(status: Int, method: String?, known: Int? = nil) {
        requests += 1
        byStatus[status, default: 0] += 1
        guard let method, !method.isEmpty else { return }
        if let id = known {
            if let n = byID[id] {
                byID[id] = n + 1
            } else if distinct < Self.maxMethods {
                byID[id] = 1
                idsCounted += 1
            } else {
                byName[Self.other, default: 0] += 1
            }
            return
        }
        // A method already counted is looked up once.
        if let i = byName.index(forKey: method) {
            byName.values[i] += 1
        } else {
            byName[distinct < Self.maxMethods ? method : Self.other, default: 0] += 1
        }
    }

    /// The counts by method name.
    var byMethod: [String: Int] {
        var all = byName
        for (id, n) in byID.enumerated() { if let n { all[MethodTable.names[id]] = n } }
        return all
    }

    var json: JSONValue {
        func map(_ l: [String: Int]) -> JSONValue {
            .object(JSONObject(l.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
        }
        let statuses = Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), $0.value) })
        return ["requests": .int(Int64(requests)), "by_status": map(statuses), "by_method": map(byMethod)]
    }
}
