import Testing
@testable import B24

/// `OperatingBudget` skips the lookup of a method's state when no method is paused or near its
/// limit (docs/performance.md). This drives it and a plain model of its rules (every admission
/// looks the method up) through the same random events, across pauses, spacing, 429s, a changed
/// `nearShare` and states adopted from the shared file, and wants the same answers throughout.
@Suite struct OperatingBudgetModelTests {
    struct Model {
        struct State { var operating = 0.0, resetAt: Double?, pausedUntil: Double?, lastSentAt: Double? }
        let limit: Double
        var nearShare = 0.8, nearSpacing = 1.0, unknownResetWait = 60.0
        var methods: [String: State] = [:]

        mutating func observe(_ m: String, _ operating: Double?, _ resetAt: Double?, now: Double) {
            var s = methods[m] ?? State()
            if let operating { s.operating = operating }
            if let resetAt { s.resetAt = resetAt }
            if s.operating > limit { s.pausedUntil = max(s.pausedUntil ?? 0, s.resetAt ?? now + unknownResetWait) }
            methods[m] = s
        }

        mutating func refused(_ m: String, now: Double) -> Double {
            var s = methods[m] ?? State()
            let until = s.resetAt.flatMap { $0 > now ? $0 : nil } ?? now + unknownResetWait
            s.pausedUntil = until
            s.resetAt = nil
            methods[m] = s
            return until
        }

        mutating func admit(_ m: String, now: Double) -> OperatingBudget.Admission {
            guard var s = methods[m] else { return .go }
            if let until = s.pausedUntil {
                if now < until { return .waitUntil(until) }
                s.pausedUntil = nil
                s.operating = 0
                methods[m] = s
            }
            guard s.operating >= limit * nearShare else { return .go }
            if let last = s.lastSentAt, now < last + nearSpacing { return .waitUntil(last + nearSpacing) }
            s.lastSentAt = now
            methods[m] = s
            return .go
        }
    }

    /// A small generator with a fixed seed: the same steps on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [0.0, 10, 100])
    func agreesWithThePlainRules(limit: Double) {
        var rng = SplitMix(state: UInt64(limit) &+ 7)
        var budget = OperatingBudget(limit: limit)
        var model = Model(limit: limit)
        let names = ["a", "b", "c", "imopenlines.crm.chat.user.delete"]
        var now = 0.0
        for step in 0..<20_000 {
            now += Double(Int.random(in: 0...20, using: &rng)) / 10
            let m = names.randomElement(using: &rng)!
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<45:
                #expect(budget.admit(method: m, now: now) == model.admit(m, now: now), "step \(step)")
            case 45..<85:
                let operating: Double? = Bool.random(using: &rng) ? Double.random(in: 0...(limit * 1.3 + 1), using: &rng) : nil
                let resetAt: Double? = Bool.random(using: &rng) ? now + Double.random(in: -5...60, using: &rng) : nil
                budget.observe(method: m, operating: operating, resetAt: resetAt, now: now)
                model.observe(m, operating, resetAt, now: now)
            case 85..<95:
                #expect(budget.refused(method: m, now: now) == model.refused(m, now: now), "step \(step)")
            case 95..<98:
                let share = [0.0, 0.5, 0.8, 1.0].randomElement(using: &rng)!
                budget.nearShare = share
                model.nearShare = share
            default:
                // What another process wrote, taken in place of this budget's own.
                let shared = budget.sharedMethods(now: now)
                budget.adopt(shared)
                model.methods = [:]
                for e in shared {
                    model.methods[e.name] = Model.State(operating: e.state.operating, resetAt: e.state.resetAt,
                                                        pausedUntil: e.state.pausedUntil, lastSentAt: e.state.lastSentAt)
                }
            }
            #expect(budget.operating(of: m) == (model.methods[m]?.operating ?? 0), "step \(step)")
        }
    }
}
