// Time as the client sees it. The state machines take plain seconds; the client reads them from
// an injected clock so tests can run the limiter and retries without sleeping.

public protocol B24Clock: Sendable {
    /// Monotonic seconds (any origin).
    func now() -> Double
    /// Unix time in seconds: `operating_reset_at` in the `time` block is one.
    func unixNow() -> Double
    /// Suspends until `now() >= deadline`. Throws only when the task is cancelled.
    func sleep(until deadline: Double) async throws
}

public struct SystemClock: B24Clock {
    public init() {}

    /// Seconds since boot (CLOCK_BOOTTIME): the same in every process of this boot, so times in
    /// the shared limit file (docs/shared-limit.md) mean the same to all of them.
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public func unixNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public func sleep(until deadline: Double) async throws {
        let delta = deadline - now()
        guard delta > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Self.nanoseconds(delta)))
    }

    /// The longest single wait: a deadline further out (or not finite) is someone's mistake or a
    /// portal's nonsense, and waiting a day at a time keeps the conversion far from overflow.
    public static let longestWait = 86_400.0

    /// Seconds as nanoseconds, clamped to `0...longestWait`; NaN is no wait.
    public static func nanoseconds(_ seconds: Double) -> Int64 {
        guard seconds > 0 else { return 0 }
        return Int64(min(seconds, longestWait) * 1e9)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
