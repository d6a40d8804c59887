import B24
import B24Sandbox
import Testing

@Suite struct LimitTests {
    @Test func leakyBucketAdmitsBurstThenDrains() {
        var b = PortalLeakyBucket(rate: 2, burst: 50)
        let admitted = (0..<60).filter { _ in b.admit(at: 100) }.count
        #expect(admitted == 50)
        do { let v = b.admit(at: 100.4); #expect(!v) }   // 0.8 drained: not yet room for one
        do { let v = b.admit(at: 100.5); #expect(v) }    // 1 drained
        do { let v = b.admit(at: 100.5); #expect(!v) }
        #expect((0..<10).filter { _ in b.admit(at: 105.5) }.count == 10)
    }

    @Test func portalRefusesExactlyTheRequestsOverTheBucket() async throws {
        let clock = ManualSandboxClock()
        let portal = SandboxPortal(options: SandboxOptions(plan: .standard), clock: clock)
        try await LiveSandbox.with(portal) { live in
            var statuses: [Int] = []
            for _ in 0..<53 { statuses.append(try await live.call("user.current").status) }
            #expect(statuses.prefix(50).allSatisfy { $0 == 200 })
            #expect(statuses.suffix(3) == [503, 503, 503])
            try await live.call("user.current").expectError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
            clock.advance(by: 1)   // drains 2
            #expect(try await live.call("user.current").status == 200)
            #expect(try await live.call("user.current").status == 200)
            #expect(try await live.call("user.current").status == 503)
        }
    }

    @Test func operatingBudgetUnit() {
        var b = PortalOperatingBudget(limit: 5)
        let t0 = 1_000_020.0
        for k in 0..<6 {
            do { let v = b.admit(at: t0 + Double(k)); #expect(v) }
            b.record(1, at: t0 + Double(k))
        }
        do { let v = b.admit(at: t0 + 10); #expect(!v) }        // 6 s > 5 s
        do { let v = b.resetAt(at: t0 + 10); #expect(v == 1_000_020 + 600) }   // the bucket started at t0
        b.record(0.05, at: t0 + 11)           // under 0.1 s: not recorded
        do { let v = b.operating(at: t0 + 11); #expect(v == 6) }
        do { let v = b.admit(at: 1_000_020 + 599.9); #expect(!v) }
        do { let v = b.admit(at: 1_000_020 + 600); #expect(v) }  // the bucket left the window
    }

    @Test func operatingBudgetBlocksAndFreesOneMethod() async throws {
        let clock = ManualSandboxClock(1_000_000)
        let options = SandboxOptions(plan: .unlimited, operatingLimit: 5, processingMs: 1000)
        try await LiveSandbox.with(SandboxPortal(options: options, clock: clock)) { live in
            var operating: [Double] = []
            for _ in 0..<6 {
                let a = try await live.call("user.current")
                #expect(a.status == 200)
                operating.append(a.json?["time"]?["operating"]?.doubleValue ?? -1)
            }
            #expect(operating == [1, 2, 3, 4, 5, 6])   // the call that crosses the limit still runs
            let resetAt = try await live.call("user.get").json?["time"]?["operating_reset_at"]
            #expect(resetAt == 1_000_560)   // another method is not blocked; its own bucket
            try await live.call("user.current")
                .expectError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
            clock.set(1_000_559)   // the first bucket (started 999_960) leaves at 1_000_560
            #expect(try await live.call("user.current").status == 429)
            clock.advance(by: 1)
            #expect(try await live.call("user.current").status == 200)
        }
    }
}
