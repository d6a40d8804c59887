// A mirror of the portal's leaky bucket (docs/bitrix24-rest.md §4): every request adds 1, the counter
// drains at `rate` per second, and above `capacity` the portal refuses. Each request reserves a
// slot: now if the bucket has room, otherwise the earliest instant it will. Reservations queue
// in order, so concurrent callers never race for the same slot and never all wake at once.

public struct LeakyBucket: Sendable, Equatable {
    public enum Reservation: Sendable, Equatable {
        case now
        case at(Double)
    }

    /// The level kept to: the portal's burst less the safety margin (RateLimiter keeps it so).
    public private(set) var capacity: Double
    public let nominalRate: Double
    /// The drain rate in use: lowered after the portal refuses us, restored as calls succeed.
    public private(set) var rate: Double
    /// Requests sent or reserved and not yet drained, as of `updatedAt`. Above `capacity` while
    /// reservations are queued.
    public private(set) var level: Double = 0
    private var updatedAt: Double
    private var slowedAt: Double?

    /// The slowest we go after repeated refusals, as a share of the nominal rate.
    static let floorShare = 0.25
    /// How much each refusal cuts the rate, and how often the rate climbs back by a tenth.
    static let cut = 0.7
    static let recoveryInterval = 5.0

    public init(capacity: Double, rate: Double, now: Double) {
        self.capacity = max(1, capacity)
        self.nominalRate = rate
        self.rate = rate
        self.updatedAt = now
    }

    /// The level at `now`, drained.
    public func level(at now: Double) -> Double {
        max(0, level - rate * max(0, now - updatedAt))
    }

    mutating func drain(to now: Double) {
        guard now > updatedAt else { return }
        level = level(at: now)
        updatedAt = now
    }

    /// Takes one slot: at once when the bucket has room, else at the instant it will have.
    public mutating func reserve(now: Double) -> Reservation {
        // `now` may be older than the last update (read before a lock another caller held, in
        // this process or another sharing the file): the slot is computed from the later one.
        // The level is known as of `t`, so no slot comes before it: sending earlier would meet
        // the level as it was then, higher than the one drained to `t`.
        let t = max(now, updatedAt)
        drain(to: t)
        level += 1
        if level <= capacity { return t > now ? .at(t) : .now }
        // The level falls by `rate` per second; the slot opens when it is back at `capacity`.
        return .at(t + (level - capacity) / rate)
    }

    /// The portal answered QUERY_LIMIT_EXCEEDED: its counter is fuller than ours (another client
    /// shares it, or it drains slower). Assume it is full and drain slower for a while.
    public mutating func refused(now: Double) {
        drain(to: now)
        level = max(level, capacity)
        rate = max(nominalRate * Self.floorShare, rate * Self.cut)
        slowedAt = now
    }

    /// A new capacity (the safety margin changed); at least one request.
    mutating func setCapacity(_ c: Double) { capacity = max(1, c) }

    /// The state that changes: what the shared limit file keeps (docs/shared-limit.md).
    var shared: (level: Double, updated: Double, rate: Double, slowed: Double?) { (level, updatedAt, rate, slowedAt) }

    /// Takes the changing state from the file; values that make no sense keep this bucket's own.
    mutating func adopt(level l: Double, updated u: Double, rate r: Double, slowed s: Double?) {
        guard l.isFinite, l >= 0, u.isFinite, r.isFinite, r > 0 else { return }
        level = l
        updatedAt = u
        rate = min(nominalRate, max(nominalRate * Self.floorShare, r))
        slowedAt = s.flatMap { $0.isFinite ? $0 : nil }
    }

    /// A request was accepted: after a quiet interval, climb back towards the nominal rate.
    public mutating func accepted(now: Double) {
        guard rate < nominalRate, let since = slowedAt, now - since >= Self.recoveryInterval else { return }
        drain(to: now)
        rate = min(nominalRate, rate + nominalRate * 0.1)
        slowedAt = now
    }
}
