import ArgumentParser
import B24
import B24Wire

// What `--plan` accepts and how help describes it, read from `RateLimitPlan`: the presets'
// names and figures and the accepted ranges are written there only (docs/shared-limit.md).

/// `--plan` reads a plan as `RateLimitPlan(argument:)` does, the parser the config file's `plan`
/// uses too. Declared here, where ArgumentParser is, so the client library does not depend on it
/// (a conformance within the package is not retroactive: no warning).
extension RateLimitPlan: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .list(presetNames) }
}

extension B24Flags {
    /// The preset names `--plan` takes besides RATE/BURST.
    public static var planNames: [String] { RateLimitPlan.presetNames }

    /// `--plan`'s help: the presets with their figures.
    public static var planHelp: String {
        "the portal's rate limit: \(RateLimitPlan.presetSummary) or RATE/BURST"
    }
}
