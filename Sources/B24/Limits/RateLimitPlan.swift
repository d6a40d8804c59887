// The portal's limits as the client mirrors them (docs/bitrix24-rest.md §4).

public struct RateLimitPlan: Sendable, Equatable {
    /// Requests drained from the portal's counter per second; nil: no request-rate limit.
    public var drainPerSecond: Double?
    /// The counter's threshold: above it the portal answers 503 QUERY_LIMIT_EXCEEDED.
    public var burst: Double
    /// Seconds of execution per method per 10 minutes before 429 OPERATION_TIME_LIMIT.
    public var operatingLimit: Double
    /// Requests kept in reserve below the burst. Requests do not arrive in the order or at the
    /// spacing they were sent (the first ones wait for connections to open), so the portal can
    /// see them closer together than we sent them; a tenth of the burst absorbs that.
    public var margin: Double

    public init(drainPerSecond: Double?, burst: Double, operatingLimit: Double = 480, margin: Double? = nil) {
        self.drainPerSecond = drainPerSecond
        self.burst = burst
        self.operatingLimit = operatingLimit
        self.margin = margin ?? max(1, (burst * 0.1).rounded())
    }

    public static let standard = RateLimitPlan(drainPerSecond: 2, burst: 50)
    public static let enterprise = RateLimitPlan(drainPerSecond: 5, burst: 250)
    /// On-premise portals and the sandbox's `--plan unlimited`.
    public static let unlimited = RateLimitPlan(drainPerSecond: nil, burst: 0)

    public static func custom(rate: Double, burst: Double) -> RateLimitPlan {
        RateLimitPlan(drainPerSecond: rate, burst: burst)
    }

    /// "standard", "enterprise", "unlimited" (the names of `--plan`).
    public static func named(_ name: String) -> RateLimitPlan? {
        switch name.lowercased() {
        case "standard": .standard
        case "enterprise": .enterprise
        case "unlimited", "none": .unlimited
        default: nil
        }
    }
}
