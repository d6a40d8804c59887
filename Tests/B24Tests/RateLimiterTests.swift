import Testing
@testable import B24

// The limiter is a value driven by explicit instants: no clock, no sleeping.
@Suite struct LeakyBucketTests {
    @Test func burstThenTheDrainRate() {
        var b = LeakyBucket(capacity: 50, rate: 2, now: 0)
        for _ in 0..<50 { #expect(b.reserve(now: 0) == .now) }
        // The 51st waits for one request to drain (0.5 s at 2/s), the 52nd for two.
        #expect(b.reserve(now: 0) == .at(0.5))
        #expect(b.reserve(now: 0) == .at(1.0))
        #expect(b.level(at: 1.0) == 50)
    }

    @Test func neverMoreThanCapacityOutstanding() {
        // Simulate: each reserved request is "sent" at its slot; at every send instant, the
        // portal's counter (sends minus drain) must not exceed the capacity.
        var b = LeakyBucket(capacity: 49, rate: 20, now: 0)
        var sends: [Double] = []
        var now = 0.0
        for i in 0..<300 {
            switch b.reserve(now: now) {
            case .now: sends.append(now)
            case .at(let t): sends.append(t)
            }
            if i % 7 == 0 { now += 0.01 }
        }
        var level = 0.0
        var last = 0.0
        for t in sends.sorted() {
            level = max(0, level - 20 * (t - last)) + 1
            last = t
            #expect(level <= 49 + 1e-9)
        }
        // And it is tight: the 300th goes out when the theory says, (300 - 49) / 20 s.
        #expect(abs(sends.max()! - (300 - 49) / 20.0) < 1e-6)
    }

    @Test func refusalFillsAndSlowsThenRecovers() {
        var b = LeakyBucket(capacity: 10, rate: 2, now: 0)
        b.refused(now: 0)
        #expect(b.level(at: 0) == 10)
        #expect(b.rate == 1.4)
        #expect(b.reserve(now: 0) == .at(1 / 1.4))
        b.refused(now: 1); b.refused(now: 1); b.refused(now: 1); b.refused(now: 1)
        #expect(b.rate == 0.5)  // floor: a quarter of nominal
        b.accepted(now: 2)
        #expect(b.rate == 0.5)  // too soon
        b.accepted(now: 6.5)
        #expect(abs(b.rate - 0.7) < 1e-9)
    }
}

@Suite struct OperatingBudgetTests {
    @Test func pausesOnlyTheRefusedMethodUntilReset() {
        var b = OperatingBudget(limit: 480)
        b.observe(method: "a", operating: 100, resetAt: 500, now: 10)
        #expect(b.admit(method: "a", now: 10) == .go)
        #expect(b.refused(method: "a", now: 20) == 500)
        #expect(b.admit(method: "a", now: 30) == .waitUntil(500))
        #expect(b.admit(method: "b", now: 30) == .go)
        #expect(b.admit(method: "a", now: 500) == .go)
    }

    @Test func unknownOrStaleResetWaitsAMinute() {
        var b = OperatingBudget(limit: 480)
        #expect(b.refused(method: "a", now: 10) == 70)
        b.observe(method: "c", operating: 1, resetAt: 5, now: 10)
        #expect(b.refused(method: "c", now: 10) == 70)
    }

    @Test func overTheLimitPausesBeforeTheRefusal() {
        var b = OperatingBudget(limit: 480)
        b.observe(method: "a", operating: 481, resetAt: 200, now: 100)
        #expect(b.admit(method: "a", now: 100) == .waitUntil(200))
    }

    @Test func nearTheLimitSpacesCalls() {
        var b = OperatingBudget(limit: 100)
        b.observe(method: "a", operating: 85, resetAt: 1000, now: 0)
        #expect(b.admit(method: "a", now: 0) == .go)
        #expect(b.admit(method: "a", now: 0.2) == .waitUntil(1.0))
        #expect(b.admit(method: "a", now: 1.0) == .go)
        b.observe(method: "a", operating: 10, resetAt: 1000, now: 1.1)
        #expect(b.admit(method: "a", now: 1.2) == .go)
    }
}

@Suite struct RateLimiterTests {
    @Test func pausedMethodTakesNoBucketSlot() {
        var l = RateLimiter(plan: .custom(rate: 1, burst: 3), now: 0)  // capacity 2 after the margin
        _ = l.refused(method: "slow", code: "OPERATION_TIME_LIMIT", now: 0)
        #expect(l.admit(method: "slow", now: 1) == .askAgainAt(60))
        #expect(l.admit(method: "x", now: 1) == .send)
        #expect(l.admit(method: "x", now: 1) == .send)
        #expect(l.admit(method: "x", now: 1) == .sendAt(2))
    }

    @Test func timeBlockConvertsUnixResetToMonotonic() {
        var l = RateLimiter(plan: .standard, now: 0)
        // Monotonic 50 is unix 1_000_000: a reset at unix 1_000_030 is monotonic 80.
        l.accepted(method: "m", time: ["operating": 10, "operating_reset_at": 1_000_030], now: 50, unixNow: 1_000_000)
        #expect(l.refused(method: "m", code: "OPERATION_TIME_LIMIT", now: 51) == 80)
    }

    @Test func unlimitedPlanAlwaysSends() {
        var l = RateLimiter(plan: .unlimited, now: 0)
        for _ in 0..<1000 { #expect(l.admit(method: "x", now: 0) == .send) }
    }

    @Test func queryLimitSlowsTheBucket() {
        var l = RateLimiter(plan: .custom(rate: 10, burst: 11), now: 0)  // margin 1, at most 2.2
        l.refused(method: "x", code: "QUERY_LIMIT_EXCEEDED", now: 0)
        #expect(l.margin.value == 2)
        #expect(l.level(at: 0) == 9, "full at the burst less the grown margin")
        #expect(l.bucket?.rate == 7)
    }
}
