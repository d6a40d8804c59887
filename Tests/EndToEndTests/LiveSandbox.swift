import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// A sandbox portal served over loopback HTTP inside the test process; the binary under test
/// reaches it with `--webhook`, as it would reach a real portal.
struct LiveSandbox {
    let portal: SandboxPortal
    let server: RunningSandbox

    static func start(fixture: JSONValue? = nil, options: SandboxOptions = .unlimited) async throws -> LiveSandbox {
        let dataSet = try fixture.map { try SandboxDataSet(fixture: $0) } ?? .default
        let portal = SandboxPortal(dataSet: dataSet, options: options)
        return LiveSandbox(portal: portal, server: try await SandboxServer.start(portal: portal, port: 0, ownThread: true))
    }

    var webhookURL: String { server.webhookURL }

    func webhook(user: Int, code: String) -> String { "\(server.baseURL)/rest/\(user)/\(code)/" }

    /// The data set as fixture JSON (without the request statistics).
    var dataState: JSONValue {
        guard case .object(var o) = portal.stateJSON() else { return .null }
        o["stats"] = nil
        return .object(o)
    }

    func stat(_ group: String, _ key: String) -> Int64 {
        portal.stateJSON()["stats"]?[group]?[key]?.intValue ?? 0
    }

    /// `POST /_sandbox/faults` (the hook the HTTP server routes to this same portal).
    func queueFaults(_ json: String) async {
        let r = await portal.handle(WireRequest(method: "POST", path: "/_sandbox/faults",
                                                headers: [("Content-Type", "application/json")], body: Array(json.utf8)))
        #expect(r.status == 200, "\(String(decoding: r.body, as: UTF8.self))")
    }

    /// `POST /_sandbox/reset` with a fixture: the data set a test needs.
    func reset(fixture: String) async {
        let r = await portal.handle(WireRequest(method: "POST", path: "/_sandbox/reset", body: Array(fixture.utf8)))
        #expect(r.status == 200, "\(String(decoding: r.body, as: UTF8.self))")
    }

    /// Requests per REST method so far (`stats.by_method` of `/_sandbox/state`).
    func calls(_ method: String) -> Int {
        Int(stat("by_method", method))
    }

    func stop() async { await server.stop() }
}
