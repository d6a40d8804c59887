// The per-method time budget (docs/bitrix24-rest.md §4, §7): each success carries `operating` (seconds
// this method used in the sliding 10 minutes) and `operating_reset_at` (when the oldest minute
// frees). Over the limit the portal answers 429 for that method only, so only that method waits.

public struct OperatingBudget: Sendable, Equatable {
    public enum Admission: Sendable, Equatable {
        case go
        case waitUntil(Double)
    }

    struct MethodState: Sendable, Equatable {
        var operating: Double = 0
        var resetAt: Double?
        var pausedUntil: Double?
        var lastSentAt: Double?

        /// The latest instant this state says something about (a reset, a pause, a send within
        /// the budget's window); -infinity when none.
        var mattersUntil: Double {
            max(resetAt ?? -.infinity, pausedUntil ?? -.infinity, (lastSentAt ?? -.infinity) + RateLimiter.budgetWindow)
        }
    }

    public let limit: Double
    /// Above this share of the limit, calls of the method are spaced out.
    public var nearShare = 0.8 { didSet { recount() } }
    /// The spacing between calls of a method that is near its limit.
    public var nearSpacing = 1.0
    /// When a 429 comes without a known reset time: the next one-minute bucket.
    public var unknownResetWait = 60.0
    private var methods: [String: MethodState] = [:]
    /// How many of `methods` an admission may hold back or change (`watches`). While none is,
    /// `admit` lets every method go without looking its name up (docs/performance.md).
    private var watched = 0

    public init(limit: Double) { self.limit = limit }

    /// Whether `admit` may answer anything but a plain `.go` for a method in state `s`: it is
    /// paused, or near its limit.
    private func watches(_ s: MethodState) -> Bool { s.pausedUntil != nil || s.operating >= limit * nearShare }

    private mutating func recount() { watched = methods.values.reduce(0) { $0 + (watches($1) ? 1 : 0) } }

    /// Stores `s` for `method`, whose state was `old`, keeping `watched` true.
    private mutating func store(_ s: MethodState, for method: String, old: MethodState?) {
        watched += (watches(s) ? 1 : 0) - (old.map(watches) == true ? 1 : 0)
        methods[method] = s
    }

    /// Reads a success's `time` block. `resetAt` is already converted to the monotonic clock.
    public mutating func observe(method: String, operating: Double?, resetAt: Double?, now: Double) {
        let limit = limit, wait = unknownResetWait
        func apply(_ s: inout MethodState) {
            if let operating { s.operating = operating }
            if let resetAt { s.resetAt = resetAt }
            // Over the limit: the portal would refuse the next call, so do not send it.
            if s.operating > limit { s.pausedUntil = max(s.pausedUntil ?? 0, s.resetAt ?? now + wait) }
        }
        // Changed where it is stored: one lookup of the name, not two (docs/performance.md).
        if let i = methods.index(forKey: method) {
            let before = watches(methods.values[i])
            apply(&methods.values[i])
            watched += (watches(methods.values[i]) ? 1 : 0) - (before ? 1 : 0)
        } else {
            var s = MethodState()
            apply(&s)
            store(s, for: method, old: nil)
        }
    }

    /// 429 OPERATION_TIME_LIMIT: pause the method until its oldest bucket frees. Returns the time.
    @discardableResult
    public mutating func refused(method: String, now: Double) -> Double {
        let old = methods[method]
        var s = old ?? MethodState()
        // A reset time already passed is stale: wait for the next one-minute bucket instead.
        let until = s.resetAt.flatMap { $0 > now ? $0 : nil } ?? now + unknownResetWait
        s.pausedUntil = until
        s.resetAt = nil
        store(s, for: method, old: old)
        return until
    }

    /// May a call of `method` go now? Records it as sent when it may and the method is near
    /// its limit (only then are its calls spaced; far from it an admission changes nothing).
    public mutating func admit(method: String, now: Double) -> Admission {
        // No method paused or near its limit: any one goes, and nothing changes.
        guard watched > 0, let old = methods[method] else { return .go }
        var s = old
        if let until = s.pausedUntil {
            if now < until { return .waitUntil(until) }
            s.pausedUntil = nil
            s.operating = 0  // unknown again until the next answer; the portal will say
            store(s, for: method, old: old)
        }
        guard s.operating >= limit * nearShare else { return .go }
        if let last = s.lastSentAt, now < last + nearSpacing { return .waitUntil(last + nearSpacing) }
        let before = s
        s.lastSentAt = now
        store(s, for: method, old: before)
        return .go
    }

    public func operating(of method: String) -> Double { methods[method]?.operating ?? 0 }

    /// The methods whose state still matters at `now` (a pause, a reset or a send within the
    /// budget's window): what the shared limit file keeps (docs/shared-limit.md), by name.
    func sharedMethods(now: Double) -> [(name: String, state: MethodState)] {
        var out: [(name: String, state: MethodState)] = []
        out.reserveCapacity(methods.count)
        for (m, s) in methods where s.mattersUntil > now { out.append((m, s)) }
        if out.count > 1 { out.sort { $0.name < $1.name } }
        return out
    }

    /// Takes the methods another process wrote, in place of this budget's own.
    mutating func adopt(_ entries: [(name: String, state: MethodState)]) {
        func finite(_ v: Double?) -> Double? { v.flatMap { $0.isFinite ? $0 : nil } }
        methods = [:]
        for (m, e) in entries {
            methods[m] = MethodState(operating: max(0, finite(e.operating) ?? 0), resetAt: finite(e.resetAt),
                                     pausedUntil: finite(e.pausedUntil), lastSentAt: finite(e.lastSentAt))
        }
        recount()
    }
}
