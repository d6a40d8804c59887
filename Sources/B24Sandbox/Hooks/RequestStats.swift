import B24Wire

/// Counts of answered requests, for `GET /_sandbox/state`. A client can make up any number of
/// method names, so past `maxMethods` distinct names the rest are counted under "(other)".
struct RequestStats {
    static let maxMethods = 256
    static let other = "(other)"

    var requests = 0
    var byStatus: [Int: Int] = [:]
    var byMethod: [String: Int] = [:]

    mutating func record(status: Int, method: String?) {
        requests += 1
        byStatus[status, default: 0] += 1
        guard let method, !method.isEmpty else { return }
        // A method already counted is looked up once.
        if let i = byMethod.index(forKey: method) {
            byMethod.values[i] += 1
        } else {
            byMethod[byMethod.count < Self.maxMethods ? method : Self.other, default: 0] += 1
        }
    }

    var json: JSONValue {
        func map(_ l: [String: Int]) -> JSONValue {
            .object(JSONObject(l.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
        }
        let statuses = Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), $0.value) })
        return ["requests": .int(Int64(requests)), "by_status": map(statuses), "by_method": map(byMethod)]
    }
}
