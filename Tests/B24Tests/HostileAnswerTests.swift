import B24Sandbox
import Testing
@testable import B24
@testable import B24Wire

/// A portal or proxy that answers with garbage (docs/sandbox-wire.md): every such answer is a
/// `protocol` error (BAD_RESPONSE) or a value clamped to sense, never a trap or an endless wait.
@Suite(.timeLimit(.minutes(2))) struct HostileAnswerTests {
    func decode(_ status: Int, _ body: [UInt8]) -> Result<RESTResponse, B24Error> {
        Envelope.decode(WireResponse(status: status, body: body), method: "user.get")
    }

    func expectBadResponse(_ body: [UInt8], status: Int = 200, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .failure(let e) = decode(status, body) else {
            Issue.record("accepted: \(String(decoding: body.prefix(80), as: UTF8.self))", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == "BAD_RESPONSE", sourceLocation: sourceLocation)
        #expect(e.kind == .protocol, sourceLocation: sourceLocation)
        #expect(e.message.count < 400, sourceLocation: sourceLocation)   // an excerpt, never the whole body
    }

    @Test func brokenBodies() {
        let bodies: [[UInt8]] = [
            Array("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8),
            Array(#"{"result":[1,2,3"#.utf8),
            Array(#"{"result":"\#u{FFFD}"#.utf8),
            [0x7B, 0x22, 0x72, 0x65, 0x73, 0x75, 0x6C, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xC0, 0x80, 0x22, 0x7D],   // non-UTF-8
            Array(String(repeating: "[", count: 1_000_000).utf8),
            Array((String(repeating: "[", count: 129) + String(repeating: "]", count: 129)).utf8),
            Array(#"{"result":1e99999}"#.utf8),
            Array(#"{"result":-1e400}"#.utf8),
            Array(#"{"result":"\ud800"}"#.utf8),
            [], Array("   ".utf8), [0],
            Array(#"{"no_result":true}"#.utf8),
        ]
        for b in bodies { expectBadResponse(b) }
        expectBadResponse(Array(#"{"result":1}"#.utf8), status: 302)
    }

    @Test func absurdNumbersAreDroppedOrClamped() throws {
        let r = try decode(200, Array(#"{"result":[],"total":1e30,"next":-1e300,"time":{"operating_reset_at":1e30}}"#.utf8)).get()
        #expect(r.total == nil)
        #expect(r.next == nil)
        let s = try decode(200, Array(#"{"result":[],"total":"9223372036854775808","next":"NaN"}"#.utf8)).get()
        #expect(s.total == nil && s.next == nil)
        let big = try decode(200, Array(#"{"result":[],"total":9223372036854775807,"next":1e18}"#.utf8)).get()
        #expect(big.total == Int.max && big.next == 1_000_000_000_000_000_000)
    }

    @Test func absurdTimeBlocksNeverParkAMethodForEver() {
        let now = 1000.0, unix = 1.7e9
        let blocks: [JSONValue] = [
            ["operating_reset_at": 1e30, "operating": 1e300],
            ["operating_reset_at": .double(.greatestFiniteMagnitude), "operating": 10_000],
            ["operating_reset_at": "NaN", "operating": "inf"],
            ["operating_reset_at": -1e30, "operating": 9e18],
            ["operating_reset_at": "1e999", "operating": -5],
            ["operating_reset_at": 9_223_372_036_854_775_807, "operating": 481],
        ]
        for time in blocks {
            var limiter = RateLimiter(plan: .standard, now: now)
            limiter.accepted(method: "user.get", time: time, now: now, unixNow: unix)
            switch limiter.admit(method: "user.get", now: now) {
            case .send: break
            case .sendAt(let t), .askAgainAt(let t):
                #expect(t.isFinite && t <= now + RateLimiter.budgetWindow, "\(time.serialized()) → \(t)")
            }
            let until = limiter.refused(method: "user.get", code: "OPERATION_TIME_LIMIT", now: now)
            #expect(until.map { $0.isFinite && $0 <= now + RateLimiter.budgetWindow } ?? true, "\(time.serialized())")
        }
    }

    /// The same answers from the sandbox's HTTP server (raw faults): the client reports them and
    /// the next normal call goes through.
    @Test func overLoopback() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let client = try h.client(retry: .never)
        let raws: [(Int, String)] = [
            (200, "<html>oops</html>"), (200, #"{"result":[1,"#), (200, String(repeating: "[", count: 200_000)),
            (200, #"{"result":1,"time":{"operating_reset_at":1e30,"operating":"NaN"}}"#),
            (200, #"{"result":1,"total":1e300,"time":{"operating_reset_at":-1e30,"operating":1e-300}}"#),
            (502, "<html><body>Bad gateway</body></html>"),
        ]
        for (status, body) in raws {
            try await h.queueFaults([["status": .int(Int64(status)), "body": .string(body)]])
            do {
                let r = try await client.call("user.current", [:])
                #expect(r.result == 1)
            } catch {
                #expect(error.kind == .protocol, "\(error)")
            }
            let normal = try await client.call("user.current", [:])
            #expect(normal.result["ID"] != nil)
        }
        await h.stop()
    }
}
