import B24
import B24Wire
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import LuaHost
import NIOConcurrencyHelpers
import Synchronization

/// Runs the client's async work from the Lua thread (docs/architecture.md rule 3): the Lua thread
/// waits here, never a thread of Swift's cooperative pool. The work runs in a task that prefers
/// a `WaitingThreadExecutor`, so its jobs run on the Lua thread itself while it waits: a call
/// answered in-process costs no thread switch at all, and one that waits for the network
/// resumes on the Lua thread when its answer arrives (docs/performance.md). While it waits it
/// watches for Ctrl-C and `--timeout`, so a waiting request can be interrupted.
///
/// The task is one long-lived `Worker` that runs call after call: creating a task per call (its
/// record, its allocator's slabs, its teardown) cost more than a sandbox call's own work. An
/// interrupted call's worker is cancelled and left to finish on a thread of its own; the next
/// call starts a fresh one.
final class BlockingBridge: @unchecked Sendable {
    struct Interrupted: Error {
        let message: String
    }

    final class Slot<T: Sendable>: @unchecked Sendable {
        var result: Result<T, B24Error>?
    }

    /// Used by one call at a time (the Lua thread's); replaced when a call is abandoned.
    private(set) var worker: Worker?
    /// A call is being waited for: a call made from inside it (none is, today) gets a task of its own.
    private var running = false

    /// The worker waits in its mailbox for a call this bridge would post: end its loop, on a
    /// thread of the executor's own (nobody waits here any more).
    deinit {
        guard let worker else { return }
        worker.mailbox.close()
        worker.executor.abandon()
    }

    func run<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T) throws(Interrupted) -> Result<T, B24Error> {
        if running { return try runAlone(op) }
        running = true
        defer { running = false }
        let worker = self.worker ?? Worker()
        self.worker = worker
        let slot = Slot<T>()
        let executor = worker.executor
        worker.mailbox.post(Self.job(op, into: slot, then: executor))
        try wait(for: executor) {
            worker.task.cancel()
            worker.mailbox.close()
            self.worker = nil
        }
        return slot.result!
    }

    /// One call in a task of its own.
    private func runAlone<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T) throws(Interrupted) -> Result<T, B24Error> {
        let slot = Slot<T>()
        let executor = WaitingThreadExecutor()
        let task = Task(executorPreference: executor, operation: Self.job(op, into: slot, then: executor))
        try wait(for: executor) { task.cancel() }
        return slot.result!
    }

    /// `op` as the executor runs it: its outcome into `slot`, then the executor told it is done.
    private static func job<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T, into slot: Slot<T>,
                                         then executor: WaitingThreadExecutor) -> @Sendable () async -> Void {
        {
            do throws(B24Error) { slot.result = .success(try await op()) } catch { slot.result = .failure(error) }
            executor.finish()
        }
    }

    /// Runs `executor`'s jobs until its call finishes; on Ctrl-C or `--timeout`, `cancel`s and
    /// hands the executor's further jobs to a thread of their own. The cancelled call goes on to
    /// journal its outcome there, unless the process ends first; an intent without an outcome
    /// reads as outcome unknown (docs/journal.md).
    private func wait(for executor: WaitingThreadExecutor, cancel: () -> Void) throws(Interrupted) {
        while !executor.runJobs(forAtMostSeconds: 0.05) {
            if let reason = stopReason() {
                cancel()
                executor.abandon()
                throw Interrupted(message: reason)
            }
        }
        executor.reset()
    }

    /// Why waiting must stop now, if it must.
    func stopReason() -> String? { LuaInterrupt.pendingMessage }

    /// A task that runs the calls posted to it, one after another, on its executor.
    final class Worker: @unchecked Sendable {
        let executor = WaitingThreadExecutor()
        let mailbox = Mailbox()
        private(set) var task: Task<Void, Never>!

        init() {
            let mailbox = self.mailbox
            task = Task(executorPreference: executor) {
                while let call = await mailbox.next() { await call() }
            }
        }
    }

    /// The worker's next call: one waiting at a time, handed over by resuming the worker.
    final class Mailbox: @unchecked Sendable {
        typealias Call = @Sendable () async -> Void
        private struct State {
            var waiting: UnsafeContinuation<Call?, Never>?
            var posted: Call?
            var closed = false
        }
        private let state = Mutex(State())

        func post(_ call: @escaping Call) {
            let waiting = state.withLock { s in
                defer { s.waiting = nil }
                if s.waiting == nil { s.posted = call }
                return s.waiting
            }
            waiting?.resume(returning: call)
        }

        /// No more calls: the worker's loop ends.
        func close() {
            let waiting = state.withLock { s in
                s.closed = true
                defer { s.waiting = nil }
                return s.waiting
            }
            waiting?.resume(returning: nil)
        }

        func next() async -> Call? {
            await withUnsafeContinuation { (c: UnsafeContinuation<Call?, Never>) in
                // Resumed here when a call was posted first (or the mailbox closed), else by `post`.
                let ready: Call?? = state.withLock { s in
                    if let call = s.posted {
                        s.posted = nil
                        return .some(call)
                    }
                    if s.closed { return .some(nil) }
                    s.waiting = c
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }
}

/// A task executor whose jobs run on the thread that waits for them (`runJobs`). Jobs that
/// arrive when nobody waits any more (an abandoned call, a job enqueued after its task
/// finished) run on a thread the executor starts for them, so no job is ever stranded.
final class WaitingThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = ThreadCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false
    /// Nobody waits: jobs go to `drainer`.
    private var abandoned = false
    private var drainerRunning = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        let startDrainer = abandoned && !drainerRunning
        if startDrainer { drainerRunning = true }
        condition.signal()
        condition.unlock()
        if startDrainer { startDrainerThread() }
    }

    /// The task's body ended.
    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs as they come until the task has finished (true) or `seconds` have passed
    /// (false), however many jobs ran meanwhile: the caller checks for a stop in between, and a
    /// task that wakes every few milliseconds (a wait for the shared limit file's lock, polling
    /// it) must not keep a Ctrl-C from being seen.
    func runJobs(forAtMostSeconds seconds: Double) -> Bool {
        let deadline = ThreadCondition.Deadline(secondsFromNow: seconds)
        condition.lock()
        while true {
            let ran = runQueuedJobs()
            if finished {
                condition.unlock()
                return true
            }
            if ran && !deadline.hasPassed { continue }
            guard !deadline.hasPassed else {
                condition.unlock()
                return false
            }
            condition.wait(until: deadline)
        }
    }

    /// Ready for the next call after one that finished.
    func reset() {
        condition.lock()
        finished = false
        let orphans = !jobs.isEmpty
        if orphans { abandoned = true; drainerRunning = true }
        condition.unlock()
        // A job left behind by the finished task (rare: work it started without awaiting) must
        // still run; from now on this executor's jobs go to a thread of their own.
        if orphans { startDrainerThread() }
    }

    /// Nobody will wait for this executor's jobs any more.
    func abandon() {
        condition.lock()
        abandoned = true
        let start = !drainerRunning
        drainerRunning = true
        condition.unlock()
        if start { startDrainerThread() }
    }

    /// Runs the jobs queued now, unlocking around each; called and returns with the lock held.
    /// True when it ran any.
    private func runQueuedJobs() -> Bool {
        var ran = false
        while !jobs.isEmpty {
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
            ran = true
        }
        return ran
    }

    private func startDrainerThread() {
        let started = SystemThread.start { [self] in
            condition.lock()
            while true {
                if runQueuedJobs() { continue }
                // Idle for a second: end; a later job starts another drainer.
                if !condition.wait(until: .init(secondsFromNow: 1)) && jobs.isEmpty {
                    drainerRunning = false
                    condition.unlock()
                    return
                }
            }
        }
        // No thread to be had (the process's limit): the next job that finds no drainer tries again.
        if !started { condition.lock(); drainerRunning = false; condition.unlock() }
    }
}

/// Batches started by `b24.each` and not yet collected: several can be in flight, and the Lua
/// thread waits for whichever finishes first.
final class BatchesInFlight: @unchecked Sendable {
    private let lock = NIOLock()
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
