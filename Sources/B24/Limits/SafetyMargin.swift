// The requests kept in reserve below the portal's burst (docs/shared-limit.md, "The margin").
// The portal counts a request when it starts to run it, the client when it sends it; a request
// that takes longer on the way than the ones after it (a connection being opened, a thread that
// woke late, a busy server) is counted late, and the portal then sees requests closer together
// than they were sent. The margin absorbs that: it starts at `least`, doubles when the portal
// refuses anyway, and halves its excess over `least` for every quiet `shrinkInterval`.

public struct SafetyMargin: Sendable, Equatable {
    /// Where it starts and the least it shrinks to.
    public let least: Double
    /// The most it grows to.
    public let most: Double
    public private(set) var value: Double
    /// When it last grew or shrank (nil: never; it is at `least`).
    public private(set) var changedAt: Double?
    /// Whether that change was a growth: refusals soon after a growth are the same overrun.
    public private(set) var grew = false

    /// Refusals this close after a growth are answers to requests sent before it, and do not
    /// grow the margin again.
    public static let sameOverrun = 1.0
    /// Seconds without a refusal for each step back towards `least`.
    public static let shrinkInterval = 30.0

    public init(least: Double, most: Double) {
        self.least = max(0, least.isFinite ? least : 0)
        self.most = max(self.least, most.isFinite ? most : self.least)
        value = self.least
    }

    /// The portal answered QUERY_LIMIT_EXCEEDED: twice the margin (at least one request more).
    public mutating func refused(now: Double) {
        if grew, let t = changedAt, now - t < Self.sameOverrun { return }
        value = min(most, max(value * 2, value + 1))
        changedAt = now
        grew = true
    }

    /// A request was accepted: for each `shrinkInterval` since the last change, the excess over
    /// `least` halves (and goes when it is under one request).
    public mutating func accepted(now: Double) {
        guard value > least, let since = changedAt else { return }
        var t = since
        while value > least, now - t >= Self.shrinkInterval {
            let excess = value - least
            value = excess <= 1 ? least : least + excess / 2
            t += Self.shrinkInterval
            changedAt = t
            grew = false
        }
    }

    /// Takes the state another process wrote; values out of bounds are brought within them.
    mutating func adopt(value v: Double, changedAt c: Double?, grew g: Bool) {
        guard v.isFinite else { return }
        value = min(most, max(least, v))
        changedAt = c.flatMap { $0.isFinite ? $0 : nil }
        grew = g && changedAt != nil
    }
}
