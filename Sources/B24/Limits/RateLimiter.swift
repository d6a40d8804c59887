import B24Wire

// The client's admission control: the per-method budget first (a paused method must not take a
// bucket slot it cannot use), then the leaky bucket, kept `margin` below the portal's burst. A
// value; the client keeps it in a LimiterCell.

public struct RateLimiter: Sendable, Equatable {
    public enum Admission: Sendable, Equatable {
        /// Send now.
        case send
        /// A bucket slot is reserved for this instant: sleep until then, then send.
        case sendAt(Double)
        /// The method is paused; nothing is reserved: ask again at this instant.
        case askAgainAt(Double)
    }

    /// One method's `time` block, read: what a success tells the budget.
    public struct Observation: Sendable, Equatable {
        public var method: String
        /// Seconds the method used in the budget's window (clamped to a day).
        public var operating: Double?
        /// When the oldest minute frees, on the monotonic clock (within the window ahead).
        public var resetAt: Double?
        public var now: Double

        /// The values come from the portal, so they are clamped before use: `operating` to 0
        /// through a day of seconds, `operating_reset_at` to at most the budget's 10-minute
        /// window ahead; values that are not finite numbers are ignored. nil without a block.
        public init?(method: String, time: JSONValue?, now: Double, unixNow: Double) {
            guard let time else { return nil }
            self.method = method
            self.now = now
            var resetAt: JSONValue?, operating: JSONValue?
            if case .object(let o) = time {
                resetAt = Self.member(o, "operating_reset_at", at: Self.resetAtPlace)
                operating = Self.member(o, "operating", at: Self.operatingPlace)
            }
            self.resetAt = RateLimiter.finite(resetAt).map { now + min(max(0, $0 - unixNow), RateLimiter.budgetWindow) }
            self.operating = RateLimiter.finite(operating).map { min(max(0, $0), 86_400) }
        }

        /// Where the portal puts the two members in its `time` block (docs/bitrix24-rest.md §7):
        /// start, finish, duration, processing, date_start, date_finish, operating_reset_at, operating.
        static let resetAtPlace = 6
        static let operatingPlace = 7

        /// `o[key]`, trying the member at `place` first: the keys of a `JSONObject` are distinct,
        /// so a key found there is the one a lookup would find, and a block laid out as the
        /// portal's costs one comparison instead of eight (docs/performance.md).
        static func member(_ o: JSONObject, _ key: String, at place: Int) -> JSONValue? {
            let members = o.members  // the object's own array, not copied
            if place < members.count, members[place].key == key { return members[place].value }
            return o[key]
        }
    }

    /// The portal's threshold; the bucket keeps to `burst - margin.value`.
    public let burst: Double
    public private(set) var bucket: LeakyBucket?
    public private(set) var margin: SafetyMargin
    public private(set) var budget: OperatingBudget

    public init(plan: RateLimitPlan, now: Double) {
        burst = plan.burst
        margin = SafetyMargin(least: plan.margin.lowerBound, most: plan.margin.upperBound)
        if let rate = plan.drainPerSecond {
            bucket = LeakyBucket(capacity: plan.burst - margin.value, rate: rate, now: now)
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

    /// A success: feed the `time` block to the budget, let a slowed bucket recover and a grown
    /// margin shrink back.
    public mutating func accepted(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        accepted(now: now)
        if let o = Observation(method: method, time: time, now: now, unixNow: unixNow) { observe(o) }
    }

    /// A success, without its `time` block (that one goes to `observe`).
    mutating func accepted(now: Double) {
        bucket?.accepted(now: now)
        if margin.value > margin.least {
            margin.accepted(now: now)
            bucket?.setCapacity(burst - margin.value)
        }
    }

    /// A `time` block of one method (also each command's block inside a batch).
    public mutating func observe(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        if let o = Observation(method: method, time: time, now: now, unixNow: unixNow) { observe(o) }
    }

    public mutating func observe(_ o: Observation) {
        budget.observe(method: o.method, operating: o.operating, resetAt: o.resetAt, now: o.now)
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
            // The portal's counter was fuller than ours: keep further below its burst, then
            // take it as full at our new threshold and drain slower for a while.
            if bucket != nil {
                margin.refused(now: now)
                bucket?.setCapacity(burst - margin.value)
            }
            bucket?.refused(now: now)
            return nil
        case "OPERATION_TIME_LIMIT":
            return budget.refused(method: method, now: now)
        default:
            return nil
        }
    }

    public func level(at now: Double) -> Double { bucket?.level(at: now) ?? 0 }

    /// Takes the margin another process wrote, and the capacity that follows from it.
    mutating func adoptMargin(value: Double, changedAt: Double?, grew: Bool) {
        margin.adopt(value: value, changedAt: changedAt, grew: grew)
        bucket?.setCapacity(burst - margin.value)
    }

    mutating func adoptBucket(level: Double, updated: Double, rate: Double, slowed: Double?) {
        bucket?.adopt(level: level, updated: updated, rate: rate, slowed: slowed)
    }

    mutating func adoptBudget(_ entries: [(name: String, state: OperatingBudget.MethodState)]) {
        budget.adopt(entries)
    }
}
