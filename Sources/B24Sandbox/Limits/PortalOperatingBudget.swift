/// The per-method time budget of one caller (docs/bitrix24-rest.md §4): method time is summed in one-minute
/// buckets over a sliding ten-minute window; a call is refused while the sum already exceeds the
/// limit, the call that crosses it still runs, and calls under 0.1 s are not recorded.
public struct PortalOperatingBudget: Sendable, Equatable {
    public static let window: Double = 600
    public static let bucketSeconds: Double = 60
    public static let minimumRecorded: Double = 0.1

    public let limit: Double
    /// Seconds used per bucket, keyed by the bucket's start (unix seconds).
    public private(set) var buckets: [Double: Double] = [:]

    public init(limit: Double) { self.limit = limit }

    /// What `time.operating` reports at `now`.
    public mutating func operating(at now: Double) -> Double {
        expire(at: now)
        return buckets.values.reduce(0, +)
    }

    /// `time.operating_reset_at`: when the oldest bucket leaves the window.
    public mutating func resetAt(at now: Double) -> Double {
        expire(at: now)
        let oldest = buckets.keys.min() ?? bucketStart(now)
        return oldest + Self.window
    }

    /// False when the method is blocked at `now` (429 `OPERATION_TIME_LIMIT`).
    public mutating func admit(at now: Double) -> Bool {
        guard limit > 0 else { return true }
        return operating(at: now) <= limit
    }

    public mutating func record(_ seconds: Double, at now: Double) {
        expire(at: now)
        guard seconds >= Self.minimumRecorded else { return }
        buckets[bucketStart(now), default: 0] += seconds
    }

    func bucketStart(_ t: Double) -> Double { (t / Self.bucketSeconds).rounded(.down) * Self.bucketSeconds }

    mutating func expire(at now: Double) {
        // Nothing to expire, nothing built: calls under `minimumRecorded` leave it empty.
        guard !buckets.isEmpty else { return }
        buckets = buckets.filter { $0.key + Self.window > now }
    }
}
