import B24
import Foundation
import LuaHost

/// Runs the client's async work from the Lua thread (docs/architecture.md rule 3): the Lua thread
/// blocks here, never a thread of Swift's cooperative pool. While it waits it watches for
/// Ctrl-C and `--timeout`, so a waiting request can be interrupted.
final class BlockingBridge: @unchecked Sendable {
    struct Interrupted: Error {
        let message: String
    }

    final class Slot<T: Sendable>: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<T, B24Error>?
    }

    func run<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T) throws(Interrupted) -> Result<T, B24Error> {
        let slot = Slot<T>()
        let task = Task {
            do throws(B24Error) { slot.result = .success(try await op()) } catch { slot.result = .failure(error) }
            slot.done.signal()
        }
        while slot.done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if let reason = stopReason() {
                task.cancel()
                throw Interrupted(message: reason)
            }
        }
        return slot.result!
    }

    /// Why waiting must stop now, if it must.
    func stopReason() -> String? { LuaInterrupt.pendingMessage }
}

/// Batches started by `b24.each` and not yet collected: several can be in flight, and the Lua
/// thread waits for whichever finishes first.
final class BatchesInFlight: @unchecked Sendable {
    private let lock = NSLock()
    private let signal = DispatchSemaphore(value: 0)
    private var nextHandle = 1
    private var finished: [Int: Result<[BatchOutcome], B24Error>] = [:]
    private var tasks: [Int: Task<Void, Never>] = [:]

    func start(_ op: @escaping @Sendable () async throws(B24Error) -> [BatchOutcome]) -> Int {
        lock.lock(); defer { lock.unlock() }
        let handle = nextHandle
        nextHandle += 1
        tasks[handle] = Task {
            let r: Result<[BatchOutcome], B24Error>
            do throws(B24Error) { r = .success(try await op()) } catch { r = .failure(error) }
            self.lock.withLock { self.finished[handle] = r }
            self.signal.signal()
        }
        return handle
    }

    /// Started and not collected yet: waiting for anything else would never end.
    func isKnown(_ handle: Int) -> Bool {
        lock.withLock { tasks[handle] != nil }
    }

    /// Blocks until one of `handles` has finished; returns it and its outcomes.
    func waitAny(_ handles: [Int], bridge: BlockingBridge) throws(BlockingBridge.Interrupted) -> (Int, Result<[BatchOutcome], B24Error>) {
        while true {
            lock.lock()
            for h in handles {
                if let r = finished.removeValue(forKey: h) {
                    tasks[h] = nil
                    lock.unlock()
                    return (h, r)
                }
            }
            lock.unlock()
            if signal.wait(timeout: .now() + .milliseconds(50)) == .timedOut, let reason = bridge.stopReason() {
                lock.lock()
                for h in handles { tasks[h]?.cancel() }
                lock.unlock()
                throw BlockingBridge.Interrupted(message: reason)
            }
        }
    }
}
