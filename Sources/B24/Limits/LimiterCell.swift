import B24Wire

// Where the client's RateLimiter lives: in this process, or in a small file every b24lua process
// of the same portal and plan shares (docs/shared-limit.md). Either way a caller sees one
// `withLock`: the limiter's state, exclusively, for one event. The file's lock is tried, never
// waited for on a thread: between tries the task is suspended, so a lock held by a stopped
// process holds no thread and a cancelled call ends (docs/shared-limit.md, "The protocol").

import Synchronization

public final class LimiterCell: Sendable {
    private struct State {
        var local: RateLimiter
        /// Successes not yet written to the shared file: each is applied in the next event's
        /// critical section, so that a request costs one (its reservation) and not two.
        var pending: [Pending] = []
        /// The file's lock was held elsewhere past `lockPatience`: events use `local` and try
        /// the file once each, without waiting, until they get it.
        var bypassing = false
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

    /// Is the state shared with other processes right now (false after degrading, and while
    /// the file's lock is held elsewhere past `lockPatience`).
    public var isShared: Bool { state.withLock { s in (file?.usable ?? false) && !s.bypassing } }

    /// How long an event waits for the file's lock while another process holds it. A critical
    /// section lasts microseconds; a lock held this long belongs to a process that was stopped
    /// (SIGSTOP, a debugger) or cannot run. Past it the cell keeps this process's own limit,
    /// says so once, and tries the file again at each later event, without waiting.
    public static let lockPatience: Duration = .seconds(3)
    /// The pauses between tries at the lock double from `firstPause` up to `longestPause`: a
    /// live holder lets go within microseconds, and a stopped one costs a try every 20 ms.
    static let firstPause: Duration = .microseconds(50)
    static let longestPause: Duration = .milliseconds(20)

    private enum Step<R: Sendable>: Sendable {
        case done(R)
        case busy
    }

    /// `body` on the limiter's state, exclusively: the shared state when there is one, read
    /// and written back under the file's lock. While another process holds that lock the task
    /// is suspended between tries (no thread is held, docs/architecture.md rule 3); after
    /// `patience`, or when the task is cancelled (Ctrl-C, `--timeout`), `body` runs on this
    /// process's own state instead.
    public func withLock<R: Sendable>(patience: Duration = LimiterCell.lockPatience,
                                      _ body: (inout RateLimiter) -> R) async -> R {
        var waitingSince: ContinuousClock.Instant?
        var pause = Self.firstPause
        while true {
            let step: Step<R> = state.withLock { s in
                guard let file, file.usable else {
                    Self.apply(&s)
                    return .done(body(&s.local))
                }
                let pending = s.pending
                switch file.exclusive(&s.local, now: { clock.now() }, { limiter in
                    for p in pending { Self.apply(p, to: &limiter) }
                    return body(&limiter)
                }) {
                case .done(let r):
                    s.pending = []
                    s.bypassing = false
                    return .done(r)
                case .failed:
                    // The file failed before `body` ran: this process keeps its own from now on.
                    Self.apply(&s)
                    return .done(body(&s.local))
                case .busy:
                    guard s.bypassing else { return .busy }
                    Self.apply(&s)
                    return .done(body(&s.local))
                }
            }
            if case .done(let r) = step { return r }
            let now = ContinuousClock.now
            let since = waitingSince ?? now
            waitingSince = since
            let cancelled = Task.isCancelled
            if cancelled || now - since >= patience {
                return state.withLock { s in
                    // A cancelled call is about to end: it leaves the file to the next event.
                    if !cancelled {
                        s.bypassing = true
                        file?.lockedTooLong(seconds: Int(patience.components.seconds))
                    }
                    Self.apply(&s)
                    return body(&s.local)
                }
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, Self.longestPause)
        }
    }

    /// Writes the successes still pending to the shared file (the client does so when it shuts
    /// down, so that the next run knows what the last answers said of each method's budget).
    /// A process at its end waits for a held lock only briefly.
    public func flush() async {
        guard state.withLock({ !$0.pending.isEmpty }) else { return }
        await withLock(patience: Self.flushPatience) { _ in () }
    }

    static let flushPatience: Duration = .milliseconds(500)

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
