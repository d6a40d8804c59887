import B24Wire

/// The knobs of `sandbox serve` (README "The sandbox portal"). The defaults are a realistic standard-plan portal
/// without the cloud's operating budget (0 disables it) and without latency or faults;
/// `SandboxOptions.unlimited` is the preset for tests.
public struct SandboxOptions: Sendable, Equatable {
    public enum Plan: String, Sendable, CaseIterable {
        case standard, enterprise, unlimited

        /// The plan of the same name (`RateLimitPlan`, in B24Wire): the figures live there only.
        public var limits: RateLimitPlan {
            switch self {
            case .standard: .standard
            case .enterprise: .enterprise
            case .unlimited: .unlimited
            }
        }

        /// Leaky-bucket drain per second and threshold (docs/bitrix24-rest.md §4); a plan
        /// without a drain rate has no bucket.
        public var rateAndBurst: (rate: Double, burst: Double) {
            guard let rate = limits.drainPerSecond else { return (.infinity, .infinity) }
            return (rate, limits.burst)
        }
    }

    public var plan: Plan
    /// Override the plan's drain rate (requests per second) and threshold.
    public var rate: Double?
    public var burst: Double?
    /// Seconds of method time allowed per 10 minutes, per method and caller; 0 turns it off.
    public var operatingLimit: Double
    /// Simulated handler time of every call, in milliseconds (counted by the operating budget).
    public var processingMs: Double
    /// Lifetime of OAuth access tokens, in seconds.
    public var tokenTTL: Double
    /// Added to every REST answer, in milliseconds (a real sleep).
    public var latencyMs: Double
    /// Probability (0...1) that a REST request meets a random 500, 503 or dropped connection.
    public var faultRate: Double
    /// Bodies longer than this are refused with 413.
    public var maxBodyBytes: Int

    public init(plan: Plan = .standard, rate: Double? = nil, burst: Double? = nil, operatingLimit: Double = 0,
                processingMs: Double = 0, tokenTTL: Double = 3600, latencyMs: Double = 0, faultRate: Double = 0,
                maxBodyBytes: Int = 8 << 20) {
        self.plan = plan; self.rate = rate; self.burst = burst; self.operatingLimit = operatingLimit
        self.processingMs = processingMs; self.tokenTTL = tokenTTL; self.latencyMs = latencyMs
        self.faultRate = faultRate; self.maxBodyBytes = maxBodyBytes
    }

    public static let unlimited = SandboxOptions(plan: .unlimited)

    /// The accepted range of each numeric knob, by its fixture key (the flag is the same name
    /// in kebab case). Finite and bounded, so no duration or integer computed from a knob can
    /// overflow (README "Knobs").
    public static let ranges: KeyValuePairs<String, ClosedRange<Double>> = [
        "rate": RateLimitPlan.rateRange,
        "burst": RateLimitPlan.burstRange,
        "operating_limit": 0...86_400,
        "processing_ms": 0...600_000,
        "token_ttl": 0...315_360_000,
        "latency_ms": 0...60_000,
        "fault_rate": 0...1,
    ]

    public static func range(of key: String) -> ClosedRange<Double>? { ranges.first { $0.key == key }?.value }

    /// The knobs' values by fixture key, as set (nil: from the plan).
    var knobs: [(key: String, value: Double?)] {
        [("rate", rate), ("burst", burst), ("operating_limit", operatingLimit), ("processing_ms", processingMs),
         ("token_ttl", tokenTTL), ("latency_ms", latencyMs), ("fault_rate", faultRate)]
    }

    /// Every knob within its range; the error names the first that is not, as a flag or a key.
    public func checked(asFlags: Bool = false) throws(SandboxDataSetError) -> SandboxOptions {
        for (key, value) in knobs {
            guard let value, let range = Self.range(of: key) else { continue }
            if !(value.isFinite && range.contains(value)) {
                let name = asFlags ? "--" + key.replacing("_", with: "-") : "limits.\(key)"
                // A flag's value is not quoted back (README "Other options"); a fixture's is.
                throw SandboxDataSetError(message: "\(name) must be a number in [\(Self.format(range.lowerBound)), "
                                          + "\(Self.format(range.upperBound))]" + (asFlags ? "" : ", got \(value)"))
            }
        }
        return self
    }

    static func format(_ d: Double) -> String { d.rounded() == d ? String(Int64(d)) : String(d) }

    public var effectiveRate: Double { rate ?? plan.rateAndBurst.rate }
    public var effectiveBurst: Double { burst ?? plan.rateAndBurst.burst }

    /// The fixture's `"limits"` object laid over these options (keys as the flags, snake_case).
    public func applying(fixtureLimits l: JSONObject) throws(SandboxDataSetError) -> SandboxOptions {
        var o = self
        for (key, value) in l {
            func num() throws(SandboxDataSetError) -> Double {
                let d: Double? = switch value {
                case .int(let n): Double(n)
                case .double(let x): x
                default: nil
                }
                guard let d, d >= 0 else {
                    throw SandboxDataSetError(message: "limits.\(key) must be a non-negative number")
                }
                return d
            }
            switch key {
            case "plan":
                guard let p = value.stringValue.flatMap(Plan.init(rawValue:)) else {
                    let names = Plan.allCases.map(\.rawValue)
                    throw SandboxDataSetError(message: "limits.plan must be \(names.dropLast().joined(separator: ", ")) "
                                              + "or \(names.last ?? "")")
                }
                o.plan = p
            case "rate": o.rate = try num()
            case "burst": o.burst = try num()
            case "operating_limit": o.operatingLimit = try num()
            case "processing_ms": o.processingMs = try num()
            case "token_ttl": o.tokenTTL = try num()
            case "latency_ms": o.latencyMs = try num()
            case "fault_rate": o.faultRate = try num()
            default: throw SandboxDataSetError(message: "unknown key limits.\(key)")
            }
        }
        return try o.checked()
    }
}
