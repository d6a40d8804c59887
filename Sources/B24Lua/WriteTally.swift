import B24
import Synchronization

/// What a run's writes came to so far: sent and answered, failed for certain, or neither yet
/// (in flight, or an outcome the client could not learn). Read for the summary printed when a
/// run is stopped (docs/journal.md, "Stopped runs"); the call pipeline counts every write it
/// sends, journaled or not.
public final class WriteTally: Sendable {
    public struct Counts: Sendable, Equatable {
        public var sent = 0
        public var done = 0
        public var failed = 0
        /// Writes a resumed run did not send because its journal shows them done.
        public var alreadyDone = 0
        /// Sent, and neither done nor failed for certain.
        public var unknown: Int { sent - done - failed }
        /// Nothing written: no write sent, none skipped.
        public var isEmpty: Bool { sent == 0 && alreadyDone == 0 }
    }

    private let counts = Mutex(Counts())

    public init() {}

    public var snapshot: Counts { counts.withLock { $0 } }

    func sent(_ n: Int = 1) { counts.withLock { $0.sent += n } }
    func alreadyDone() { counts.withLock { $0.alreadyDone += 1 } }

    /// One sent write's outcome; one whose outcome is unknown stays counted as unknown.
    func outcome(_ result: Result<Void, B24Error>) {
        counts.withLock { c in
            switch result {
            case .success: c.done += 1
            case .failure(let e) where !e.outcomeUnknown: c.failed += 1
            case .failure: break
            }
        }
    }
}
