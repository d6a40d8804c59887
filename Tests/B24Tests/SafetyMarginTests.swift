import B24Sandbox
import Testing
@testable import B24
@testable import B24Wire

/// The margin kept below the portal's burst (docs/shared-limit.md, "The margin"): it starts at
/// its least, a refusal doubles it, quiet time shrinks it back, and it stays within its bounds.
@Suite struct SafetyMarginTests {
    @Test func thePlansBounds() {
        #expect(RateLimitPlan.standard.margin == 1...10)        // 2/s: 0.1 s is a fifth of a request; one at least
        #expect(RateLimitPlan.enterprise.margin == 1...50)
        #expect(RateLimitPlan.custom(rate: 20, burst: 50).margin == 2...10)
        #expect(RateLimitPlan.custom(rate: 20, burst: 20).margin == 2...4)
        #expect(RateLimitPlan.custom(rate: 1, burst: 3).margin == 1...1)
        #expect(RateLimitPlan.custom(rate: 100, burst: 5).margin == 4...4, "a burst of one request is left")
        #expect(RateLimitPlan.custom(rate: 5, burst: 1).margin == 0...0)
        #expect(RateLimitPlan.unlimited.margin == 0...0)
    }

    @Test func aRefusalDoublesItOnceAndNeverPastTheMost() {
        var m = SafetyMargin(least: 1, most: 10)
        #expect(m.value == 1)
        m.refused(now: 100)
        #expect(m.value == 2)
        // The other refusals of the same overrun (requests already on their way) do not count.
        m.refused(now: 100.2)
        m.refused(now: 100.9)
        #expect(m.value == 2)
        m.refused(now: 101.5)
        #expect(m.value == 4)
        m.refused(now: 103)
        m.refused(now: 105)
        m.refused(now: 107)
        #expect(m.value == 10)
        // A refusal dated before the last growth (read before the lock) is the same overrun too.
        m.refused(now: 106.5)
        #expect(m.value == 10)
    }

    @Test func aSmallMarginGrowsByAtLeastOneRequest() {
        var m = SafetyMargin(least: 0.2, most: 5)
        m.refused(now: 0)
        #expect(abs(m.value - 1.2) < 1e-12)
    }

    @Test func quietTimeShrinksItBackToTheLeastAndNoFurther() {
        var m = SafetyMargin(least: 1, most: 10)
        for t in [0.0, 2, 4, 6] { m.refused(now: t) }
        #expect(m.value == 10)
        m.accepted(now: 20)
        #expect(m.value == 10, "too soon")
        m.accepted(now: 36)
        #expect(m.value == 5.5, "half the excess after 30 s")
        m.accepted(now: 96)
        #expect(m.value == 2.125, "and twice more after another minute")
        m.accepted(now: 1_000)
        #expect(m.value == 1)
        m.accepted(now: 10_000)
        #expect(m.value == 1)
        // A refusal after shrinking grows it again at once (it is not the same overrun).
        m.refused(now: 10_000.5)
        #expect(m.value == 2)
    }

    @Test func valuesFromAFileAreBroughtWithinBounds() {
        var m = SafetyMargin(least: 2, most: 10)
        m.adopt(value: 1e9, changedAt: 5, grew: true)
        #expect(m.value == 10)
        m.adopt(value: -3, changedAt: .nan, grew: true)
        #expect(m.value == 2 && m.changedAt == nil && !m.grew)
        m.adopt(value: .nan, changedAt: 7, grew: false)
        #expect(m.value == 2)
    }

    @Test func theLimiterKeepsItsBucketMarginBelowTheBurst() {
        var l = RateLimiter(plan: .custom(rate: 20, burst: 50), now: 0)
        #expect(l.bucket?.capacity == 48)
        _ = l.refused(method: "batch", code: "QUERY_LIMIT_EXCEEDED", now: 1)
        #expect(l.margin.value == 4)
        #expect(l.bucket?.capacity == 46)
        #expect(l.level(at: 1) == 46, "taken as full at the new threshold")
        // Other refusals leave the margin alone.
        _ = l.refused(method: "batch", code: "OPERATION_TIME_LIMIT", now: 5)
        _ = l.refused(method: "batch", code: "INTERNAL_SERVER_ERROR", now: 5)
        #expect(l.margin.value == 4)
        l.accepted(method: "batch", time: nil, now: 31.5, unixNow: 0)
        #expect(l.margin.value == 3 && l.bucket?.capacity == 47)
        l.accepted(method: "batch", time: nil, now: 62, unixNow: 0)
        #expect(l.margin.value == 2 && l.bucket?.capacity == 48)
    }

    /// The reason for the least (docs/shared-limit.md, "The margin"): requests reach the
    /// portal later than they were sent, each by its own delay, and a portal counting them on
    /// arrival never sees more than the client's mirror did plus `rate` × the spread of the
    /// delays. With the margin at least that, nothing is refused; with less, something is.
    @Test(arguments: [(20.0, 50.0), (2.0, 50.0), (5.0, 250.0)])
    func delaysWithinTheAllowanceNeverOverrunThePortal(_ rate: Double, _ burst: Double) {
        func refusals(margin: Double, spread: Double) -> Int {
            var limiter = RateLimiter(plan: RateLimitPlan(drainPerSecond: rate, burst: burst, margin: margin...margin), now: 0)
            var portal = PortalLeakyBucket(rate: rate, burst: burst)
            var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
            func random() -> Double {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(seed >> 11) / Double(1 << 53)
            }
            var arrivals: [Double] = []
            var now = 0.0
            for i in 0..<Int(burst) * 4 {
                let slot: Double
                switch limiter.admit(method: "batch", now: now) {
                case .send: slot = now
                case .sendAt(let t): slot = t
                case .askAgainAt: Issue.record("no budget here"); return -1
                }
                // The first requests wait longest (connections opening), the rest at random.
                arrivals.append(slot + (i < 4 ? spread : random() * spread))
                if i % 3 == 0 { now = slot }
            }
            return arrivals.sorted().filter { !portal.admit(at: $0) }.count
        }
        let spread = RateLimitPlan.jitterAllowance
        let least = RateLimitPlan.custom(rate: rate, burst: burst).margin.lowerBound
        #expect(refusals(margin: least, spread: spread) == 0)
        #expect(refusals(margin: rate * spread, spread: spread) == 0)
        #expect(refusals(margin: 0, spread: spread) > 0, "the control: no margin, and the portal refuses")
    }
}
