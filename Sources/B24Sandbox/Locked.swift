import Synchronization

/// Mutable state behind a lock. The portal's handler is async but its state changes are short
/// and never await, so a lock is simpler than an actor hop per request. A `Mutex` (a futex, taken
/// without a call when free) rather than an `NSLock`: a sandbox request takes it five times.
final class Locked<State>: @unchecked Sendable {
    private let mutex: Mutex<Unchecked>

    /// The state as the mutex holds it: guarded by the mutex, so never shared unguarded.
    private struct Unchecked: @unchecked Sendable {
        var state: State
    }

    init(_ state: State) { mutex = Mutex(Unchecked(state: state)) }

    func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try mutex.withLock { (u: inout sending Unchecked) throws(E) -> R in try body(&u.state) }
    }
}
