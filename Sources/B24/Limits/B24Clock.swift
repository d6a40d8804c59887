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
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    public func unixNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public func sleep(until deadline: Double) async throws {
        let delta = deadline - now()
        guard delta > 0 else { return }
        // Capped so that no deadline, however absurd, overflows the conversion to nanoseconds.
        try await Task.sleep(for: .nanoseconds(Int64(min(delta, 1e6) * 1e9)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
