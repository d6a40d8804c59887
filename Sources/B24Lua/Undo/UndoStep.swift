import B24
import B24Wire

/// One journaled write seen from the undo side: its inverse, if any, and why it may need none.
/// Every fact about the method (its inverse, how its result names the chat, its parameters'
/// types) is the method catalog's (docs/method-catalog.md).
public struct UndoStep: Sendable {
    public let write: JournaledWrite

    public init(_ write: JournaledWrite) { self.write = write }

    public var inverse: String? { MethodCatalog.inverse(of: write.method) }

    /// A parameter by name, as the portal reads it (case-insensitively).
    public func param(_ name: String) -> JSONValue? { MethodCatalog.param(name, in: write.params) }

    /// Why the journal line cannot be trusted to build an inverse from (a parameter or result
    /// that does not fit the catalog's types), nil when it fits or the method is not known.
    public var problem: String? {
        MethodCatalog.entry(write.method)?.problem(params: write.params, result: write.ok == true ? write.result : nil)
    }

    /// The chat the original acted on: its result, or the `CHAT_ID` it named when the outcome is unknown.
    public var chat: Int64? {
        MethodCatalog.actedOn(write.method, params: write.params, result: write.ok == true ? write.result : nil)?.intValue
    }

    public var skipReason: String? {
        let unknown = write.ok == nil || write.outcomeUnknown
        if write.ok == false && !unknown { return "the original write failed; nothing to undo" }
        if write.ok == true, inverse != nil, chat == 0 { return "the original did nothing (chat 0)" }
        return nil
    }

    /// The inverse with the original's entity and user and the chat it acted on. When the chat is
    /// unknown (an unknown outcome without `CHAT_ID`) it is left out, so the portal picks the
    /// same last chat.
    public var inverseCall: (method: String, params: JSONValue)? {
        MethodCatalog.inverseCall(of: write.method, params: write.params, actedOn: chat.map { .int($0) })
    }

    /// Which member of which entity the step changes: steps sharing it must keep their order.
    public var memberKey: String {
        let type = param("CRM_ENTITY_TYPE").map(paramText)?.lowercased() ?? "?"
        return "\(type)/\(param("CRM_ENTITY").map(paramText) ?? "?")/\(param("USER_ID").map(paramText) ?? "?")"
    }

    /// `lead 1205 user 503 chat 1763`
    public var target: String {
        let type = param("CRM_ENTITY_TYPE").map(paramText) ?? "?"
        let entity = param("CRM_ENTITY").map(paramText) ?? "?"
        let user = param("USER_ID").map(paramText) ?? "?"
        let chatText = chat.map { $0 > 0 ? "chat \($0)" : "chat 0" } ?? "last chat"
        return "\(type.lowercased()) \(entity) user \(user) \(chatText)"
    }
}

/// A scalar parameter as text for a progress line.
private func paramText(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): s
    case .int(let n): String(n)
    case .double(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .bool(let b): b ? "true" : "false"
    default: "?"
    }
}
