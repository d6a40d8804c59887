// The client's admission control: the per-method budget first (a paused method must not take a
// bucket slot it cannot use), then the leaky bucket. A value; the client keeps it under a lock.

public struct RateLimiter: Sendable, Equatable {
    public enum Admission: Sendable, Equatable {
        /// Send now.
        case send
        /// A bucket slot is reserved for this instant: sleep until then, then send.
        case sendAt(Double)
        /// The method is paused; nothing is reserved: ask again at this instant.
        case askAgainAt(Double)
    }

    public private(set) var bucket: LeakyBucket?
    public private(set) var budget: OperatingBudget

    public init(plan: RateLimitPlan, now: Double) {
        if let rate = plan.drainPerSecond {
            bucket = LeakyBucket(capacity: plan.burst - plan.margin, rate: rate, now: now)
        }
        budget = OperatingBudget(limit: plan.operatingLimit)
    }

    public mutating func admit(method: String, now: Double) -> Admission {
        if case .waitUntil(let t) = budget.admit(method: method, now: now) { return .askAgainAt(t) }
        guard var b = bucket else { return .send }
        defer { bucket = b }
        switch b.reserve(now: now) {
        case .now: return .send
        case .at(let t): return .sendAt(t)
        }
    }

    /// A success: feed the `time` block to the budget, let a slowed bucket recover.
    public mutating func accepted(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        bucket?.accepted(now: now)
        observe(method: method, time: time, now: now, unixNow: unixNow)
    }

    /// The portal's budget window (facts §4): no `operating_reset_at` is further ahead than this.
    public static let operatingWindow = 600.0

    /// A `time` block of one method (also each command's block inside a batch).
    public mutating func observe(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        guard let time else { return }
        // A hostile or broken block (1e30, NaN, a date long past) must not trap or park the method
        // for ever: the reset is at most one window ahead, and nonsense is ignored.
        let resetAt = time["operating_reset_at"]?.doubleValue.flatMap { at -> Double? in
            guard at.isFinite else { return nil }
            return now + min(max(at - unixNow, 0), Self.operatingWindow)
        }
        let operating = time["operating"]?.doubleValue.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        budget.observe(method: method, operating: operating, resetAt: resetAt, now: now)
    }

    /// A refusal by the portal. Returns when the method may be tried again, if the refusal says.
    @discardableResult
    public mutating func refused(method: String, code: String, now: Double) -> Double? {
        switch code {
        case "QUERY_LIMIT_EXCEEDED":
            bucket?.refused(now: now)
            return nil
        case "OPERATION_TIME_LIMIT":
            return budget.refused(method: method, now: now)
        default:
            return nil
        }
    }

    public func level(at now: Double) -> Double { bucket?.level(at: now) ?? 0 }
}
