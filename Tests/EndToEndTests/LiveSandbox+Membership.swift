import B24
import B24Sandbox

/// What the example and undo tests read back from a served sandbox: who is in which chat.
extension LiveSandbox {
    func members(_ chat: Int64) -> Set<Int64> { Set(portal.members(ofChat: chat) ?? []) }

    /// Every chat's members: what a script may change.
    func membership() -> [Int64: Set<Int64>] {
        var out: [Int64: Set<Int64>] = [:]
        for chat in portal.stateJSON()["chats"]?.arrayValue ?? [] {
            guard let id = chat["id"]?.intValue else { continue }
            out[id] = Set((chat["members"]?.arrayValue ?? []).compactMap(\.intValue))
        }
        return out
    }

    /// The portal as a journal written against it names it (docs/journal.md): scheme, host, port.
    var identity: String { server.baseURL }

    /// REST requests the portal has answered so far.
    var requests: Int { Int(portal.stateJSON()["stats"]?["requests"]?.intValue ?? 0) }

    /// A client of the served portal, to set up state the way another tool would.
    func client() throws -> B24Client {
        B24Client(portal: try PortalConfig.webhook(webhookURL), plan: .unlimited)
    }
}
