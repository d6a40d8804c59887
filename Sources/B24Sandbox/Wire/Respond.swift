import B24Wire

/// Renders answers in the portal's envelope: JSON, `application/json; charset=utf-8` always,
/// `time` on success only (docs/bitrix24-rest.md §3, §6, §7).
enum Respond {
    static let contentType = (name: "Content-Type", value: "application/json; charset=utf-8")

    /// `asValue`: the caller is in-process and takes the body as a value (`WireResponse.json`).
    static func json(_ status: Int, _ body: JSONValue, extra: [(name: String, value: String)] = [],
                     asValue: Bool = false) -> WireResponse {
        WireResponse(status: status, headers: [contentType] + extra, body: asValue ? [] : body.serializedBytes(),
                     json: asValue ? Optional(body) : nil)  // a bare nil would be JSON null
    }

    static func error(_ e: PortalError, asValue: Bool = false) -> WireResponse { json(e.status, e.body, asValue: asValue) }

    static func success(_ r: MethodResult, time: TimeBlock, asValue: Bool = false) -> WireResponse {
        var o = JSONObject()
        o.reserveCapacity(4)
        o["result"] = r.result
        if let next = r.next { o["next"] = .int(next) }
        if let total = r.total { o["total"] = .int(total) }
        o["time"] = time.json
        return json(200, .object(o), extra: [("X-Bitrix-Rest-Time", String(time.finish - time.start))], asValue: asValue)
    }
}
