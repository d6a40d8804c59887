import B24
import B24Wire

// The properties the libFuzzer targets under Fuzz/ check, in the B24Fuzzing library (which the
// b24lua executable does not link) so the regression tests replay a saved input through exactly
// the same code (docs/sandbox-wire.md). A broken property traps, which is what libFuzzer records
// as a crash.

public enum _WireFuzzing {
    /// parse → serialize → parse gives the same value and the same text; the sorted form too.
    public static func jsonCodec(_ data: [UInt8]) {
        guard let value = try? JSONValue.parse(data) else { return }
        let text = value.serializedBytes()
        guard let again = try? JSONValue.parse(text) else {
            preconditionFailure("serialized JSON does not parse: \(String(decoding: text.prefix(200), as: UTF8.self))")
        }
        precondition(again == value, "a JSON round trip changed the value")
        precondition(again.serializedBytes() == text, "a JSON round trip changed the text")
        _ = try? JSONValue.parse(Array(value.serialized(sortKeys: true).utf8))
    }

    /// Any answer a portal or a proxy may send: the first byte picks the status. Decoding gives a
    /// response or an error and the `time` block feeds the rate limiter without trapping.
    public static func envelope(_ data: [UInt8]) {
        let statuses = [200, 200, 400, 401, 403, 404, 429, 500, 502, 503]
        let status = data.first.map { statuses[Int($0) % statuses.count] } ?? 200
        let response = WireResponse(status: status, body: Array(data.dropFirst()))
        var limiter = RateLimiter(plan: .standard, now: 1000)
        switch Envelope.decode(response, method: "batch") {
        case .success(let r):
            limiter.accepted(method: "batch", time: r.time, now: 1000, unixNow: 1.7e9)
            if let reply = try? BatchReply(r.result) {
                let chunk = (0..<3).map { BatchCommand(key: String($0), method: "user.get", params: [:]) }
                for case .success(let o) in reply.outcomes(for: chunk, halt: true, retried: true) {
                    limiter.observe(method: "user.get", time: o.time, now: 1000, unixNow: 1.7e9)
                }
            }
        case .failure(let e):
            _ = e.description
            limiter.refused(method: "batch", code: e.code, now: 1000)
        }
        for method in ["batch", "user.get"] {
            switch limiter.admit(method: method, now: 1001) {
            case .send: break
            case .sendAt(let t), .askAgainAt(let t):
                precondition(t.isFinite && t <= 1001 + RateLimiter.budgetWindow + 3600, "an unbounded wait: \(t)")
            }
        }
    }
}
