import B24
import B24Wire
import B24Run
import B24Sandbox
import Testing

/// The plans' names, figures and accepted ranges are written in `RateLimitPlan` only; the
/// command line, the config file, help and the sandbox read them there (docs/shared-limit.md).
@Suite struct PlanFactsTests {
    @Test func theSandboxPresetsAreTheClientsPlans() {
        #expect(SandboxOptions.Plan.allCases.map(\.rawValue) == RateLimitPlan.presetNames)
        for preset in SandboxOptions.Plan.allCases {
            let plan = RateLimitPlan.named(preset.rawValue)
            #expect(plan == preset.limits, "\(preset)")
            let (rate, burst) = preset.rateAndBurst
            if let drain = plan?.drainPerSecond {
                #expect(rate == drain && burst == plan?.burst, "\(preset)")
            } else {
                #expect(rate == .infinity && burst == .infinity, "\(preset): no drain rate, no bucket")
            }
        }
    }

    @Test func theAcceptedRangesAreOneFact() {
        #expect(SandboxOptions.range(of: "rate") == RateLimitPlan.rateRange)
        #expect(SandboxOptions.range(of: "burst") == RateLimitPlan.burstRange)
        let (r, b) = (RateLimitPlan.rateRange, RateLimitPlan.burstRange)
        let f = RateLimitPlan.figure
        #expect(RateLimitPlan(argument: "\(f(r.lowerBound))/\(f(b.upperBound))") != nil)
        #expect(RateLimitPlan(argument: "\(f(r.upperBound))/\(f(b.lowerBound))") != nil)
        #expect(RateLimitPlan(argument: "\(f(r.upperBound * 2))/\(f(b.lowerBound))") == nil)
        #expect(RateLimitPlan(argument: "\(f(r.lowerBound))/\(f(b.upperBound * 2))") == nil)
        // The rule said when a plan is refused quotes the same figures.
        #expect(RateLimitPlan.argumentRule.hasSuffix("(RATE [\(f(r.lowerBound)), \(f(r.upperBound))], "
                                                     + "BURST [\(f(b.lowerBound)), \(f(b.upperBound))])"))
    }

    /// `--plan` takes exactly the presets (and RATE/BURST); its help and completions list them
    /// with the figures of `RateLimitPlan`.
    @Test func theFlagReadsThePresets() throws {
        for name in RateLimitPlan.presetNames {
            #expect(try B24Flags.read(["--plan=" + name]).plan == RateLimitPlan.named(name))
        }
        #expect(throws: UsageError.self) { try B24Flags.read(["--plan=none"]) }
        let option = try #require(B24Flags.option(named: "plan"))
        #expect(option.completion == .values(RateLimitPlan.presetNames))
        #expect(option.help.contains(RateLimitPlan.presetSummary))
        #expect(RateLimitPlan.presetSummary == "standard (2/s, burst 50), enterprise (5/s, burst 250), unlimited")
    }
}
