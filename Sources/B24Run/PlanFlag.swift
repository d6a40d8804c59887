import B24
import B24Wire

// What `--plan` accepts and how help describes it, read from `RateLimitPlan`: the presets'
// names and figures and the accepted ranges are written there only (docs/shared-limit.md).

extension NumberRange {
    /// `--plan RATE/BURST`: requests per second and the bucket's threshold.
    public static let planRate = NumberRange(RateLimitPlan.rateRange)
    public static let planBurst = NumberRange(RateLimitPlan.burstRange)

    init(_ range: ClosedRange<Double>) {
        self.init(lower: range.lowerBound, upper: range.upperBound, lowerExclusive: false)
    }
}

extension B24Flags {
    /// The preset names `--plan` takes besides RATE/BURST.
    public static var planNames: [String] { RateLimitPlan.presetNames }

    /// "standard, enterprise, unlimited or RATE/BURST".
    public static var planValues: String { planNames.joined(separator: ", ") + " or RATE/BURST" }

    /// `--plan`'s help: the presets with their figures.
    public static var planHelp: String {
        "the portal's rate limit: \(RateLimitPlan.presetSummary) or RATE/BURST"
    }
}
