import Foundation
import Testing

/// `b24.list` against a portal (or a proxy) whose paging does not move on: the listing ends
/// with a `protocol` error instead of running forever or repeating items. The hostile pages
/// are the sandbox's own fault hook answering raw bodies with status 200. The error comes with
/// the page that breaks the rule: its items, which may repeat earlier ones, are not handed out.
@Suite struct ListPagingTests {
    let dir: URL

    init() throws { dir = try Binary.temporaryDirectory() }

    /// Lists `method` with `params` (Lua source), printing how many items came and the error.
    func list(_ sandbox: LiveSandbox, _ method: String, _ params: String) async throws -> ProcessResult {
        let path = dir.appendingPathComponent("list.lua")
        try """
            local n = 0
            local ok, e = pcall(function()
              for _ in b24.list("\(method)", \(params)) do n = n + 1 end
            end)
            print(n, ok or e.code, ok or e.kind, ok or e.status, ok or e.description)
            """.write(to: path, atomically: true, encoding: .utf8)
        return try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, path.path])
    }

    /// A page of `count` users with ids from `first`, as raw JSON with `next`/`total`.
    static func userPage(first: Int, count: Int, next: String?, total: Int?) -> String {
        let rows = (first..<first + count).map { #"{"ID":"\#($0)","NAME":"U\#($0)"}"# }.joined(separator: ",")
        var body = #"{"result":[\#(rows)]"#
        if let next { body += #","next":\#(next)"# }
        if let total { body += #","total":\#(total)"# }
        return body + #","time":{"start":0,"finish":0}}"#
    }

    static func faults(_ bodies: [String], method: String) -> String {
        let list = bodies.map { body -> String in
            let escaped = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return #"{"status":200,"body":"\#(escaped)"}"#
        }
        return #"{"faults":[\#(list.joined(separator: ","))],"method":"\#(method)"}"#
    }

    @Test func aNextThatDoesNotAdvanceEndsTheListing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        // Page 1 says "next 50", page 2 (asked with start 50) says "next 50" again.
        await sandbox.queueFaults(Self.faults([Self.userPage(first: 1, count: 50, next: "50", total: 120),
                                               Self.userPage(first: 1, count: 50, next: "50", total: 120)],
                                              method: "user.get"))
        let r = try await list(sandbox, "user.get", "{}")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("50\tBAD_RESPONSE\tprotocol\t200\t"), "\(r.stdout)")
        #expect(r.stdout.contains("does not advance past start 50"), "\(r.stdout)")
        #expect(sandbox.calls("user.get") == 2)
    }

    @Test func aNextOfZeroOnTheFirstPageEndsTheListing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        await sandbox.queueFaults(Self.faults([Self.userPage(first: 1, count: 50, next: "0", total: 120)],
                                              method: "user.get"))
        let r = try await list(sandbox, "user.get", "{}")
        #expect(r.stdout.hasPrefix("0\tBAD_RESPONSE\tprotocol\t"), "\(r.stdout) \(r.stderr)")
        #expect(sandbox.calls("user.get") == 1)
    }

    @Test func aNextPastTheTotalEndsTheListing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        await sandbox.queueFaults(Self.faults([Self.userPage(first: 1, count: 50, next: "500", total: 120)],
                                              method: "user.get"))
        let r = try await list(sandbox, "user.get", "{}")
        #expect(r.stdout.hasPrefix("0\tBAD_RESPONSE\tprotocol\t"), "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("past its 'total' (120)"), "\(r.stdout)")
        #expect(sandbox.calls("user.get") == 1)
    }

    @Test func aNextThatIsNotANumberEndsTheListing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        await sandbox.queueFaults(Self.faults([Self.userPage(first: 1, count: 50, next: #""fifty""#, total: 120)],
                                              method: "user.get"))
        let r = try await list(sandbox, "user.get", "{}")
        #expect(r.stdout.hasPrefix("0\tBAD_RESPONSE\tprotocol\t"), "\(r.stdout) \(r.stderr)")
    }

    /// The id cursor (`start = -1`): a full page whose last id is not past the bound asked for.
    @Test func anIdCursorThatDoesNotAdvanceEndsTheListing() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        await sandbox.queueFaults(Self.faults([Self.userPage(first: 1, count: 50, next: nil, total: nil),
                                               Self.userPage(first: 1, count: 50, next: nil, total: nil)],
                                              method: "user.get"))
        let r = try await list(sandbox, "user.get", "{start = -1}")
        #expect(r.stdout.hasPrefix("50\tBAD_RESPONSE\tprotocol\t"), "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("id cursor does not advance"), "\(r.stdout)")
        #expect(sandbox.calls("user.get") == 2)
    }

    /// The honest portal still lists everything, by offset and by cursor.
    @Test func anHonestPortalListsEverything() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let offset = try await list(sandbox, "user.get", "{}")
        let cursor = try await list(sandbox, "user.get", "{start = -1}")
        let count = offset.stdout.split(separator: "\t").first.flatMap { Int($0) } ?? 0
        #expect(count > 50)
        #expect(offset.stdout == "\(count)\ttrue\ttrue\ttrue\ttrue\n", "\(offset.stdout) \(offset.stderr)")
        #expect(cursor.stdout == offset.stdout, "\(cursor.stdout) \(cursor.stderr)")
    }
}
