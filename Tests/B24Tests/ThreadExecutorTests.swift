import B24
import B24Wire
import Foundation
import Synchronization
import Testing

/// The one executor (docs/architecture.md, rule 3): work waited for by a thread runs on that
/// thread, never on the cooperative pool; a stopped wait cancels, and the stopped work goes on
/// elsewhere without holding up the next call; a released executor ends its worker.
@Suite struct ThreadExecutorTests {
    /// Runs `body` on a thread of its own, as the Lua thread would: never on the pool.
    private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in Thread { c.resume(returning: body()) }.start() }
    }

    private static func thread() -> UInt { UInt(pthread_self()) }

    @Test func aBlockedCallRunsOnTheWaitingThreadAcrossSuspensions() async {
        let (caller, seen) = await onOwnThread { () -> (UInt, [UInt]) in
            let executor = ThreadExecutor()
            defer { executor.release() }
            let caller = Self.thread()
            var seen: [UInt] = []
            for _ in 0..<3 {  // the worker task, reused
                guard case .done(let threads) = executor.block(on: { () async -> [UInt] in
                    var t = [Self.thread()]
                    // A timer resumes the task: it comes back to the waiting thread, not the pool.
                    try? await Task.sleep(for: .milliseconds(5))
                    t.append(Self.thread())
                    await Task.yield()
                    t.append(Self.thread())
                    return t
                }) else { return (caller, []) }
                seen += threads
            }
            return (caller, seen)
        }
        #expect(seen.count == 9)
        #expect(seen.allSatisfy { $0 == caller }, "a job of a blocked call ran on another thread")
    }

    @Test func waitForAnyGivesTheFirstDoneAndTheOthersLater() async {
        let order = await onOwnThread { () -> [Int] in
            let executor = ThreadExecutor()
            defer { executor.release() }
            let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
            let slow = executor.start { () async -> Int in
                await withCheckedContinuation { c in gate.withLock { $0 = c } }
                return 1
            }
            let fast = executor.start { () async -> Int in
                try? await Task.sleep(for: .milliseconds(20))
                return 2
            }
            var order: [Int] = []
            guard case .done(let first) = executor.waitForAny([slow, fast]) else { return [] }
            order.append(first.value)
            gate.withLock { $0?.resume(); $0 = nil }
            // The fast one was collected: waiting for the slow one alone ends with it.
            guard case .done(let second) = executor.waitForAny([slow]) else { return order }
            order.append(second.value)
            return order
        }
        #expect(order == [2, 1])
    }

    @Test func aStoppedWaitCancelsAndTheNextCallDoesNotWaitBehindIt() async {
        let outcome = await onOwnThread { () -> (String?, Bool, Int?, Bool) in
            let executor = ThreadExecutor()
            defer { executor.release() }
            let cancelled = Atomic<Bool>(false)
            let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
            var asks = 0
            // A call that ignores its cancellation until released: the next call must not wait
            // behind it in the worker.
            let stopped = executor.block(on: { () async -> Int in
                await withTaskCancellationHandler {
                    await withCheckedContinuation { c in release.withLock { $0 = c } }
                } onCancel: { cancelled.store(true, ordering: .sequentiallyConsistent) }
                return 0
            }, stop: { asks += 1; return asks >= 3 ? "interrupted" : nil })
            var reason: String?
            if case .stopped(let r) = stopped { reason = r }
            let next = executor.block(on: { () async -> Int in 7 })
            var value: Int?
            if case .done(let v) = next { value = v }
            // The stopped call still ends, on the executor's own thread.
            let finished = Atomic<Bool>(false)
            release.withLock { $0?.resume(); $0 = nil }
            let after = executor.start { () async -> Bool in finished.store(true, ordering: .sequentiallyConsistent); return true }
            _ = executor.waitForAny([after])
            return (reason, cancelled.load(ordering: .sequentiallyConsistent), value, finished.load(ordering: .sequentiallyConsistent))
        }
        #expect(outcome.0 == "interrupted")
        #expect(outcome.1, "the stopped call was not cancelled")
        #expect(outcome.2 == 7, "the call after a stopped one did not get its answer")
        #expect(outcome.3)
    }

    @Test func workLeftWhenNobodyWaitsRunsOnTheExecutorsOwnThread() async throws {
        let (caller, ranOn) = await onOwnThread { () -> (UInt, UInt?) in
            let executor = ThreadExecutor()
            let ranOn = Mutex<UInt?>(nil)
            let done = DispatchSemaphore(value: 0)
            _ = executor.start { () async -> Int in
                try? await Task.sleep(for: .milliseconds(30))
                ranOn.withLock { $0 = Self.thread() }
                done.signal()
                return 0
            }
            // Nobody waits: once released, the work is not stranded.
            executor.release()
            _ = done.wait(timeout: .now() + 120)
            return (Self.thread(), ranOn.withLock { $0 })
        }
        let thread = try #require(ranOn, "work started before the release never ran")
        #expect(thread != caller)
    }

    @Test func aReleasedExecutorEndsItsWorkerAndIsFreed() async {
        // The worker task waits for the next call between calls; it holds its executor. A worker
        // left waiting after release keeps both for the rest of the process.
        let freed = await onOwnThread { () -> Bool in
            weak var weakExecutor: ThreadExecutor?
            do {
                let executor = ThreadExecutor()
                weakExecutor = executor
                _ = executor.block(on: { () async -> Int in 42 })
                executor.release()
            }
            // Bounded far beyond the few jobs the end takes, so a kept worker fails instead of hanging.
            let deadline = Date().addingTimeInterval(120)
            while weakExecutor != nil && Date() < deadline { usleep(10_000) }
            return weakExecutor == nil
        }
        #expect(freed, "the worker task still waits for a call that nobody will make")
    }

    @Test func staticRunWaitsOnTheCallingThread() async {
        let (caller, ran) = await onOwnThread { () -> (UInt, UInt) in
            (Self.thread(), ThreadExecutor.run { () async -> UInt in
                await Task.yield()
                return Self.thread()
            })
        }
        #expect(ran == caller)
    }
}
