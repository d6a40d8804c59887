import B24

/// Counts of answered requests, for `GET /_sandbox/state`.
struct RequestStats {
    var requests = 0
    var byStatus: [(key: String, count: Int)] = []
    var byMethod: [(key: String, count: Int)] = []

    mutating func record(status: Int, method: String?) {
        requests += 1
        Self.bump(&byStatus, String(status))
        if let method, !method.isEmpty { Self.bump(&byMethod, method) }
    }

    private static func bump(_ list: inout [(key: String, count: Int)], _ key: String) {
        if let i = list.firstIndex(where: { $0.key == key }) { list[i].count += 1 } else { list.append((key, 1)) }
    }

    var json: JSONValue {
        func map(_ l: [(key: String, count: Int)]) -> JSONValue {
            .object(JSONObject(l.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.count))) }))
        }
        return ["requests": .int(Int64(requests)), "by_status": map(byStatus), "by_method": map(byMethod)]
    }
}
