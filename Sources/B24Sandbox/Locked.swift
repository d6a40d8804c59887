import Foundation

/// Mutable state behind a lock. The portal's handler is async but its state changes are short
/// and never await, so a lock is simpler than an actor hop per request.
final class Locked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) { self.state = state }

    func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
