import B24
import B24Sandbox
import Foundation

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

    /// Suspends until the portal has answered `count` requests and `file` exists (60 s at most),
    /// then runs `act` at once. Watched from a thread of its own, as the server answers on one:
    /// a pool held by CPU-bound suites (docs/testing.md) must not let a run the test means to cut
    /// halfway finish first.
    func whenAnswered(_ count: Int, andExists file: String, then act: @escaping @Sendable () -> Void = {}) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                let end = Date().addingTimeInterval(60)
                while requests < count || !FileManager.default.fileExists(atPath: file), Date() < end {
                    usleep(20_000)
                }
                act()
                done.resume()
            }.start()
        }
    }

    /// A client of the served portal, to set up state the way another tool would.
    func client() throws -> B24Client {
        B24Client(portal: try PortalConfig.webhook(webhookURL), plan: .unlimited)
    }
}
