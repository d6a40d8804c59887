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

    /// A `time` block of one method (also each command's block inside a batch). The values come
    /// from the portal, so they are clamped before use: `operating` to 0 through a day of
    /// seconds, `operating_reset_at` to at most the budget's 10-minute window ahead; values
    /// that are not finite numbers are ignored.
    public mutating func observe(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        guard let time else { return }
        let resetAt = Self.finite(time["operating_reset_at"]).map { now + min(max(0, $0 - unixNow), Self.budgetWindow) }
        let operating = Self.finite(time["operating"]).map { min(max(0, $0), 86_400) }
        budget.observe(method: method, operating: operating, resetAt: resetAt, now: now)
    }

    /// The portal's operating budget slides over 10 minutes (docs/bitrix24-rest.md §4): no reset lies
    /// further ahead.
    public static let budgetWindow = 600.0

    static func finite(_ v: JSONValue?) -> Double? {
        guard let d = v?.doubleValue, d.isFinite else { return nil }
        return d
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

    /// What the shared limit file keeps of this limiter.
    func sharedState(now: Double) -> JSONValue {
        var o: JSONObject = ["budget": budget.sharedState(now: now)]
        if let bucket { o["bucket"] = bucket.sharedState }
        return .object(o)
    }

    mutating func adopt(_ state: JSONValue) {
        bucket?.adopt(state["bucket"])
        budget.adopt(state["budget"])
    }
}
