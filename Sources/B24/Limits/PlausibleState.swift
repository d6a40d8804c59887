// What the shared limit file may hold (docs/shared-limit.md, "The file"): a state some b24lua
// process of this plan could have written on this boot's clock. A time further ahead than the
// state can reach, NaN where a number must be, a rate no bucket drains at: that was forged, or
// written by a process whose clock is not this one (another time namespace), and taking it
// would make every process of the portal wait for it. It is refused like a damaged file.

extension RateLimiter {
    /// How far ahead of now the bucket's state can reach: a full bucket's drain at the slowest
    /// rate the limiter ever drains at (100 s on the standard plan, 10 s at 20/s with a burst
    /// of 50). nil without a bucket.
    public var drainHorizon: Double? {
        guard let b = bucket, b.nominalRate > 0 else { return nil }
        return burst / (b.nominalRate * LeakyBucket.floorShare)
    }

    /// The most reservations beyond the burst that real callers can have queued: every b24lua
    /// process waits with at most a few (docs/shared-limit.md, "The file").
    static let mostQueued = 1_000.0

    /// Why a state read from the shared file cannot be real, or nil when it can be. Bucket and
    /// margin times may lie at most `drainHorizon` ahead of `now` (a bucket's time is the last
    /// reservation's `now`, never later); its queue of reservations may take at most the budget's
    /// 10-minute window to drain, or be at most `mostQueued` long (a slow plan's real queue); a
    /// method's times at most that window ahead (a pause lasts until the portal's reset). Past
    /// times are harmless.
    func implausible(bucket s: (level: Double, updated: Double, rate: Double, slowed: Double?),
                     margin m: (value: Double, changedAt: Double?),
                     methods: [(name: String, state: OperatingBudget.MethodState)], now: Double) -> String? {
        func ahead(_ what: String, _ t: Double?, within horizon: Double) -> String? {
            guard let t else { return nil }
            guard t.isFinite else { return "\(what) \(t)" }
            guard t <= now + horizon else { return "\(what) \(Int(min(t - now, 1e15))) s ahead of this clock" }
            return nil
        }
        if let b = bucket, let horizon = drainHorizon {
            guard s.level.isFinite, s.level >= 0 else { return "bucket level \(s.level)" }
            // The slowest rate is a product of cuts and may round below the floor by a hair.
            guard s.rate.isFinite, s.rate >= b.nominalRate * LeakyBucket.floorShare * (1 - 1e-9),
                  s.rate <= b.nominalRate * (1 + 1e-9) else { return "drain rate \(s.rate)/s" }
            // Each queued reservation is a caller waiting: on a slow plan a few processes' callers
            // are a queue longer than the window, and real; no machine has thousands waiting.
            guard s.level - burst <= max(s.rate * Self.budgetWindow, Self.mostQueued) else { return "bucket level \(s.level)" }
            if let why = ahead("bucket time", s.updated, within: horizon)
                ?? ahead("bucket slowed at", s.slowed, within: horizon)
                ?? ahead("margin changed at", m.changedAt, within: horizon) { return why }
        }
        guard m.value.isFinite, m.value >= 0 else { return "safety margin \(m.value)" }
        // The names are not shown: they are the file's bytes, and a message goes to a terminal.
        for (_, e) in methods {
            guard e.operating.isFinite, e.operating >= 0 else { return "a method's operating time \(e.operating)" }
            if let why = ahead("a method's reset", e.resetAt, within: Self.budgetWindow)
                ?? ahead("a method's pause until", e.pausedUntil, within: Self.budgetWindow)
                ?? ahead("a method's last send", e.lastSentAt, within: Self.budgetWindow) { return why }
        }
        return nil
    }
}
