#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and its condition variable (pthread), for threads that wait for one another outside
/// Swift's cooperative pool: what Foundation's `NSCondition` did, without Foundation
/// (docs/performance.md, "Size"). Deadlines are on the monotonic clock, so a change of the
/// wall clock neither stretches nor cuts a wait.
public final class ThreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    /// Wakes one waiter; called with the lock held.
    public func signal() { pthread_cond_signal(condition) }
    /// Wakes every waiter; called with the lock held.
    public func broadcast() { pthread_cond_broadcast(condition) }
    /// Waits for a signal (or a spurious wake-up: callers re-check their state in a loop).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits for a signal until `deadline`; false when the deadline passed.
    @discardableResult
    public func wait(until deadline: Deadline) -> Bool {
        var at = deadline.time
        return pthread_cond_timedwait(condition, mutex, &at) != ETIMEDOUT
    }

    /// A point on the monotonic clock.
    public struct Deadline: Sendable {
        fileprivate let time: timespec

        /// `seconds` from now.
        public init(secondsFromNow seconds: Double) {
            let nanos = Self.nowNanoseconds() + UInt64(max(0, seconds) * 1e9)
            time = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        }

        public var hasPassed: Bool {
            Self.nowNanoseconds() >= UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }

        private static func nowNanoseconds() -> UInt64 {
            var now = timespec()
            #if canImport(Glibc)
            clock_gettime(CLOCK_MONOTONIC, &now)
            #else
            clock_gettime(CLOCK_REALTIME, &now)
            #endif
            return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        }
    }
}
