// Where the client's RateLimiter lives: in this process, or in a small file every b24lua process
// of the same portal and plan shares (docs/shared-limit.md). Either way a caller sees one
// `withLock`: the limiter's state, exclusively, for one event.

import Synchronization

public final class LimiterCell: Sendable {
    private struct State {
        var local: RateLimiter
        /// Successes not yet written to the shared file: each is applied in the next event's
        /// critical section, so that a request costs one (its reservation) and not two.
        var pending: [Pending] = []
    }

    private enum Pending {
        case accepted(now: Double, RateLimiter.Observation?)
        case observed(RateLimiter.Observation)
    }

    private let state: Mutex<State>
    private let file: SharedLimitFile?
    private let clock: any B24Clock

    /// A limiter for this process only.
    public init(_ limiter: RateLimiter, clock: any B24Clock = SystemClock()) {
        state = Mutex(State(local: limiter))
        file = nil
        self.clock = clock
    }

    /// A limiter shared through `file`. `clock` must read a system-wide clock (SystemClock does),
    /// since other processes read the times written. When the file cannot be used, the cell
    /// degrades to `limiter` in this process and `warn` is told once.
    public init(_ limiter: RateLimiter, sharedAt path: String, key: String, clock: any B24Clock = SystemClock(),
                warn: @escaping @Sendable (String) -> Void) {
        state = Mutex(State(local: limiter))
        self.clock = clock
        file = SharedLimitFile(path: path, key: key, warn: warn)
    }

    /// Is the state shared with other processes right now (false after degrading).
    public var isShared: Bool { state.withLock { _ in file?.usable ?? false } }

    /// `body` on the limiter's state, exclusively: the shared state when there is one, read
    /// and written back under the file's lock.
    public func withLock<R: Sendable>(_ body: (inout RateLimiter) -> R) -> R {
        state.withLock { s in
            guard let file, file.usable else {
                Self.apply(&s)
                return body(&s.local)
            }
            let pending = s.pending
            s.pending = []
            let shared = file.exclusive(&s.local, now: { clock.now() }) { limiter in
                for p in pending { Self.apply(p, to: &limiter) }
                return body(&limiter)
            }
            if let shared { return shared }
            // The file failed before `body` ran: this process keeps its own from now on.
            for p in pending { Self.apply(p, to: &s.local) }
            return body(&s.local)
        }
    }

    /// Writes the successes still pending to the shared file (the client does so when it shuts
    /// down, so that the next run knows what the last answers said of each method's budget).
    public func flush() {
        guard state.withLock({ !$0.pending.isEmpty }) else { return }
        withLock { _ in () }
    }

    /// A success of `method`, with its `time` block: applied now in this process, or with the
    /// next event when the state is shared.
    public func accepted(method: String, time: JSONValue?, now: Double, unixNow: Double) {
        let o = RateLimiter.Observation(method: method, time: time, now: now, unixNow: unixNow)
        record(.accepted(now: now, o))
    }

    /// The `time` blocks of a batch's commands, likewise.
    public func observe(_ blocks: [(method: String, time: JSONValue?)], now: Double, unixNow: Double) {
        for (method, time) in blocks {
            if let o = RateLimiter.Observation(method: method, time: time, now: now, unixNow: unixNow) { record(.observed(o)) }
        }
    }

    private func record(_ p: Pending) {
        state.withLock { s in
            if let file, file.usable {
                s.pending.append(p)
            } else {
                Self.apply(p, to: &s.local)
            }
        }
    }

    private static func apply(_ s: inout State) {
        for p in s.pending { apply(p, to: &s.local) }
        s.pending.removeAll(keepingCapacity: true)
    }

    private static func apply(_ p: Pending, to limiter: inout RateLimiter) {
        switch p {
        case .accepted(let now, let o):
            limiter.accepted(now: now)
            if let o { limiter.observe(o) }
        case .observed(let o):
            limiter.observe(o)
        }
    }
}
