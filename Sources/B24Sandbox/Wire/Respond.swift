import B24Wire

/// Renders answers in the portal's envelope: JSON, `application/json; charset=utf-8` always,
/// `time` on success only (docs/bitrix24-rest.md §3, §6, §7).
enum Respond {
    static let contentType = (name: "Content-Type", value: "application/json; charset=utf-8")

    /// `asValue`: the caller is in-process and takes the body as a value (`WireResponse.json`).
    static func json(_ status: Int, _ body: JSONValue, extra: (name: String, value: String)? = nil,
                     asValue: Bool = false) -> WireResponse {
        WireResponse(status: status, headers: extra.map { [contentType, $0] } ?? [contentType],
                     body: asValue ? [] : body.serializedBytes(),
                     json: asValue ? Optional(body) : nil)  // a bare nil would be JSON null
    }

    static func error(_ e: PortalError, asValue: Bool = false) -> WireResponse { json(e.status, e.body, asValue: asValue) }

    static func success(_ r: MethodResult, time: TimeBlock, asValue: Bool = false) -> WireResponse {
        // Distinct names, in the portal's order: stored as they are, none looked up.
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(4)
        members.append(("result", r.result))
        if let next = r.next { members.append(("next", .int(next))) }
        if let total = r.total { members.append(("total", .int(total))) }
        members.append(("time", time.json))
        return json(200, .object(JSONObject(distinctMembers: members)),
                    extra: ("X-Bitrix-Rest-Time", String(time.finish - time.start)), asValue: asValue)
    }
}
