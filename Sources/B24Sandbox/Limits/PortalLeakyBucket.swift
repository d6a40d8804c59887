/// The portal's request-rate limit (docs/bitrix24-rest.md §4): every request adds 1, the level drains by `rate`
/// per second, and a request that would lift the level above `burst` is refused (and not counted).
public struct PortalLeakyBucket: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    public private(set) var level: Double = 0
    private var last: Double?

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// True when the request at `now` is admitted.
    public mutating func admit(at now: Double) -> Bool {
        if burst.isInfinite { return true }
        drain(to: now)
        guard level + 1 <= burst else { return false }
        level += 1
        return true
    }

    mutating func drain(to now: Double) {
        if let last, now > last, rate.isFinite { level = max(0, level - (now - last) * rate) }
        if last == nil || now > last! { last = now }
    }
}
