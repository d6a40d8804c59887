import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// `b24lua snapshot` against a portal that lies, and beside files it did not write
/// (docs/snapshot.md, "A hostile or broken portal" and "Resuming"): the built binary against a
/// sandbox served over loopback whose answers are replaced through `POST /_sandbox/faults`.
@Suite struct SnapshotHostileTests {
    typealias Place = SnapshotTests.Place

    /// The first batch a snapshot sends, answered by `users` (as `user.get` rows) with `total`,
    /// and no lines or entities.
    static func firstBatch(users: [Int], total: Int64) -> String {
        let rows = users.map { ["ID": .string(String($0)), "NAME": .string("U\($0)"), "ACTIVE": .bool(true)] as JSONValue }
        var result: JSONObject = ["me": ["ID": "1", "NAME": "U1"], "admin": true, "lines": [], "users:0": .array(rows)]
        var totals: JSONObject = ["users:0": .int(total)]
        for t in ["lead", "deal", "contact", "company"] {
            result["list:\(t):0"] = ["items": []]
            totals["list:\(t):0"] = 0
        }
        let body: JSONValue = ["result": ["result": .object(result), "result_error": [], "result_total": .object(totals),
                                          "result_next": [], "result_time": []],
                               "time": ["start": 0, "finish": 0]]
        let fault: JSONValue = ["method": "batch", "faults": [["status": 200, "body": .string(body.serialized())]]]
        return fault.serialized()
    }

    /// A total of 10^12 users (an overstated total, or a broken proxy's) is not 2·10^10 reads
    /// planned at once: the list ends at its first short page. Before, the snapshot planned a
    /// read per page of the total and never finished.
    @Test func anEnormousTotalEndsAtTheFirstShortPage() async throws {
        let live = try await LiveSandbox.start(options: .unlimited)
        defer { Task { await live.stop() } }
        await live.queueFaults(Self.firstBatch(users: Array(1...50), total: 1_000_000_000_000))
        let place = try Place.make()
        let out = place.path("liar.json")
        let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out],
                                             environment: place.env, timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("snapshot of"), "\(r.stdout)")
        // Page 2 (start 50) came back short from the real sandbox: one batch of pages, then the
        // other phases' few (not 2·10^10 reads).
        #expect(live.calls("batch") <= 6, "\(live.calls("batch")) batch requests")
        let copy = try SnapshotTests.load(out)
        #expect(copy.users.count >= 50)
    }

    /// A portal answering every page with the same full page (a `start` it ignores) ends the
    /// list at the first page with no new id.
    @Test func aPageThatRepeatsEndsTheList() async throws {
        let live = try await LiveSandbox.start(options: .unlimited)
        defer { Task { await live.stop() } }
        await live.queueFaults(Self.firstBatch(users: Array(1...50), total: 100_000))
        // The next batch (users' pages from 50): every page is the first one again.
        var pages = JSONObject()
        var totals = JSONObject()
        for start in stride(from: 50, to: 50 * 201, by: 50) {
            pages["users:\(start)"] = .array((1...50).map { ["ID": .string(String($0)), "NAME": .string("U\($0)")] as JSONValue })
            totals["users:\(start)"] = 100_000
        }
        let again: JSONValue = ["result": ["result": .object(pages), "result_error": [], "result_total": .object(totals),
                                           "result_next": [], "result_time": []], "time": ["start": 0, "finish": 0]]
        let raw = again.serialized()
        await live.queueFaults((["method": "batch", "faults": .array((0..<4).map { _ in ["status": 200, "body": .string(raw)] })]
                                as JSONValue).serialized())
        let place = try Place.make()
        let out = place.path("repeat.json")
        let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out],
                                             environment: place.env, timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(live.calls("batch") <= 8, "\(live.calls("batch")) batch requests")
    }

    /// A checkpoint the snapshot did not write (another user's, planted in a shared directory; a
    /// symbolic link; a FIFO that would block the read forever) is refused, never resumed from:
    /// a planted one would make the snapshot of the real portal a copy of the planter's answers.
    @Test func aCheckpointThatIsNotTheUsersOwnRegularFileIsRefused() async throws {
        let live = try await LiveSandbox.start(options: .unlimited)
        defer { Task { await live.stop() } }
        let place = try Place.make()
        // A whole, valid checkpoint of this very portal, taken by an interrupted run of our own.
        let out = place.path("portal.json")
        let planted = place.path("planted.checkpoint")
        let key: JSONValue = ["portal": .string(live.identity), "entities": ["lead", "deal", "contact", "company"],
                              "filter": .null]
        let forged: JSONValue = ["b24lua_snapshot_checkpoint": 1, "key": key, "started_at": "2020-01-01T00:00:00Z",
                                 "results": [:], "totals": [:]]
        try forged.serialized().write(toFile: planted, atomically: true, encoding: .utf8)

        func attempt(_ what: String) async throws {
            let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out],
                                                 environment: place.env, timeout: 60)
            #expect(r.status == 2, "\(what): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("portal.json.checkpoint") && r.stderr.contains("not used"), "\(what): \(r.stderr)")
            #expect(!r.stderr.contains("resuming"), "\(what): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(what)")
        }
        let checkpoint = out + ".checkpoint"
        // Another user's file.
        try FileManager.default.copyItem(atPath: planted, toPath: checkpoint)
        if geteuid() == 0 {
            #expect(chown(checkpoint, 65534, 65534) == 0)
            try await attempt("another user's checkpoint")
        }
        try FileManager.default.removeItem(atPath: checkpoint)
        // A symbolic link.
        try FileManager.default.createSymbolicLink(atPath: checkpoint, withDestinationPath: planted)
        try await attempt("a symbolic link")
        try FileManager.default.removeItem(atPath: checkpoint)
        // A FIFO: before, reading it blocked the snapshot forever.
        #expect(mkfifo(checkpoint, 0o600) == 0)
        try await attempt("a FIFO")
        try FileManager.default.removeItem(atPath: checkpoint)
        // The user's own regular file is resumed from as before.
        try FileManager.default.copyItem(atPath: planted, toPath: checkpoint)
        let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out],
                                             environment: place.env, timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("resuming"), "\(r.stderr)")
    }

    /// A checkpoint left by a snapshot of another portal on the same host (another port, as two
    /// on-premise portals or a test portal beside the real one) is not resumed: before, the key
    /// named the host only, and the copy of one portal was finished with the other's answers.
    @Test func aCheckpointOfAnotherPortalOnTheSameHostIsNotResumed() async throws {
        let live = try await LiveSandbox.start(options: .unlimited)
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("portal.json")
        let host = try #require(URL(string: live.webhookURL)?.host)
        // What an interrupted snapshot of the portal on another port left: its own user 999.
        for portal in [host, "http://\(host):1"] {
            let key: JSONValue = ["portal": .string(portal), "entities": ["lead", "deal", "contact", "company"], "filter": .null]
            let other: JSONValue = ["b24lua_snapshot_checkpoint": 1, "key": key, "started_at": "2020-01-01T00:00:00Z",
                                    "results": ["me": ["ID": "999", "NAME": "Other"], "admin": true], "totals": [:]]
            try other.serialized().write(toFile: out + ".checkpoint", atomically: true, encoding: .utf8)
            let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out],
                                                 environment: place.env, timeout: 60)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("starting over"), "\(portal): \(r.stderr)")
            let copy = try SnapshotTests.load(out)
            #expect(copy.snapshot?["taken_by"]?["id"]?.intValue == 1, "\(portal): resumed another portal's answers")
            #expect(copy.snapshot?["portal"]?.stringValue == host)
        }
    }
}
