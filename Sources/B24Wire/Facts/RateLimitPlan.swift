// The portal's plans and their limits (docs/bitrix24-rest.md §4): the client paces to them and
// the sandbox emulates them, both from here.

public struct RateLimitPlan: Sendable, Equatable {
    /// Requests drained from the portal's counter per second; nil: no request-rate limit.
    public var drainPerSecond: Double?
    /// The counter's threshold: above it the portal answers 503 QUERY_LIMIT_EXCEEDED.
    public var burst: Double
    /// Seconds of execution per method per 10 minutes before 429 OPERATION_TIME_LIMIT.
    public var operatingLimit: Double
    /// Requests kept in reserve below the burst (docs/shared-limit.md, "The margin"): the margin
    /// starts at the lower bound and grows towards the upper one only when the portal refuses.
    public var margin: ClosedRange<Double>

    public init(drainPerSecond: Double?, burst: Double, operatingLimit: Double = 480, margin: ClosedRange<Double>? = nil) {
        self.drainPerSecond = drainPerSecond
        self.burst = burst
        self.operatingLimit = operatingLimit
        self.margin = margin ?? Self.defaultMargin(rate: drainPerSecond, burst: burst)
    }

    /// The spread of delays on the way to the portal the least margin absorbs, in seconds: at
    /// 20/s two requests, at 2/s a fifth of one (the least is one request).
    public static let jitterAllowance = 0.1
    /// The share of the burst the margin may grow to.
    public static let mostShare = 0.2

    /// The least: `jitterAllowance` of drain, at least one request. The most: a fifth of the
    /// burst, and never below the least. Both leave at least one request of the burst.
    static func defaultMargin(rate: Double?, burst: Double) -> ClosedRange<Double> {
        guard let rate, rate.isFinite, rate > 0, burst.isFinite, burst > 1 else { return 0...0 }
        let room = burst - 1
        let least = min(room, max(1, rate * jitterAllowance))
        return least...min(room, max(least, burst * mostShare))
    }

    public static let standard = RateLimitPlan(drainPerSecond: 2, burst: 50)
    public static let enterprise = RateLimitPlan(drainPerSecond: 5, burst: 250)
    /// On-premise portals and the sandbox's `--plan unlimited`.
    public static let unlimited = RateLimitPlan(drainPerSecond: nil, burst: 0)

    public static func custom(rate: Double, burst: Double) -> RateLimitPlan {
        RateLimitPlan(drainPerSecond: rate, burst: burst)
    }

    /// The presets by name, in the order help lists them: the names `--plan`, the config's
    /// `plan` and `sandbox serve --plan` take. Everything that names or describes a plan reads
    /// this list (flags, completions, help, the sandbox's presets).
    public static let presets: KeyValuePairs<String, RateLimitPlan> = [
        "standard": .standard,
        "enterprise": .enterprise,
        "unlimited": .unlimited,
    ]

    public static var presetNames: [String] { presets.map(\.key) }

    /// The accepted drain rate (requests per second) and burst of a plan given by its figures
    /// (`--plan RATE/BURST`, `sandbox serve --rate/--burst`): finite and bounded, so no wait
    /// computed from them overflows.
    public static let rateRange: ClosedRange<Double> = 0.001...100_000
    public static let burstRange: ClosedRange<Double> = 1...1_000_000

    /// The preset named `name` (any case), nil for any other name.
    public static func named(_ name: String) -> RateLimitPlan? {
        let name = name.lowercased()
        return presets.first { $0.key == name }?.value
    }

    /// A plan as the command line and the config file name it: a preset's name (exactly as
    /// `presets` spells it), or `RATE/BURST` (`20/50`) with both parts within `rateRange` and
    /// `burstRange`; nil for anything else.
    public init?(argument text: String) {
        if let preset = Self.presets.first(where: { $0.key == text }) {
            self = preset.value
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let rate = Double(parts[0]), let burst = Double(parts[1]),
              Self.rateRange.contains(rate), Self.burstRange.contains(burst) else { return nil }
        self = .custom(rate: rate, burst: burst)
    }

    /// What `init(argument:)` takes, for messages that refuse a plan: "standard, enterprise,
    /// unlimited or RATE/BURST (RATE [0.001, 100000], BURST [1, 1000000])".
    public static var argumentRule: String {
        presetNames.joined(separator: ", ") + " or RATE/BURST (RATE [\(figure(rateRange.lowerBound)), "
            + "\(figure(rateRange.upperBound))], BURST [\(figure(burstRange.lowerBound)), \(figure(burstRange.upperBound))])"
    }

    /// The presets as help text shows them: "standard (2/s, burst 50), enterprise (5/s, burst
    /// 250), unlimited".
    public static var presetSummary: String {
        presets.map { name, plan in
            guard let rate = plan.drainPerSecond else { return name }
            return "\(name) (\(figure(rate))/s, burst \(figure(plan.burst)))"
        }.joined(separator: ", ")
    }

    /// 2 as "2", 0.5 as "0.5".
    public static func figure(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
