/// The one way async work is waited for by a thread that is not Swift's (docs/architecture.md,
/// rule 3): the Lua thread (a script's calls, `b24.each`'s batches, the REPL), main's thread
/// (undo, snapshot, diff, the shutdown of the HTTP client) and the sandbox server's thread.
///
/// Its tasks prefer it as their executor, so their jobs run on the thread that waits for them,
/// never on a thread of the cooperative pool: a call answered in-process costs no thread switch,
/// and one that waits for the network resumes on the waiting thread when its answer arrives
/// (docs/performance.md). Two operations wait: `block(on:)` for one operation and
/// `waitForAny(_:)` for the first of several (`b24.each` keeps batches in flight). Both watch
/// `stop` while they wait (Ctrl-C, `--timeout`): a stopped wait cancels what it waited for and
/// leaves it to finish on a thread of the executor's own, so that a cancelled call still
/// journals its outcome.
///
/// Single calls run one after another in one long-lived worker task: a task per call (its
/// record, its allocator's slabs, its teardown) cost more than a sandbox call's own work.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// An operation started on this executor; `waitForAny` hands back the first one done.
    public final class Ticket<T: Sendable>: @unchecked Sendable {
        /// Set once, under the executor's lock.
        fileprivate var value: T?
        fileprivate var cancel: (@Sendable () -> Void)?
        fileprivate init() {}
    }

    /// How a wait ended.
    public enum Waited<T> {
        case done(T)
        /// `stop` gave this reason; what was waited for was cancelled.
        case stopped(String)
    }

    public typealias Call = @Sendable () async -> Void

    /// Guarded by `condition`'s lock; every change is one of its transitions.
    private var state = ExecutorStateMachine<UnownedJob, UnsafeContinuation<Call?, Never>>()
    private let condition = ThreadCondition()
    /// The worker's task, to cancel it; only the owner's thread reads and writes it.
    private var workerTask: Task<Void, Never>?

    public init() {}

    // MARK: starting work

    /// Starts `op` in a task of its own; `waitForAny` collects its value.
    public func start<T: Sendable>(_ op: @escaping @Sendable () async -> T) -> Ticket<T> {
        let ticket = Ticket<T>()
        let task = Task(executorPreference: self) { self.complete(ticket, await op()) }
        ticket.cancel = { task.cancel() }
        return ticket
    }

    /// Runs `op` to its end on this thread's executor; on `stop`, cancels it and returns why.
    public func block<T: Sendable>(on op: @escaping @Sendable () async -> T,
                                   stop: () -> String? = { nil }) -> Waited<T> {
        let ticket = Ticket<T>()
        let call: Call = { self.complete(ticket, await op()) }
        condition.lock()
        let handing = state.handCall()
        condition.unlock()
        // Tasks are made and resumed unlocked: their first job is enqueued at once.
        switch handing {
        case .resume(let parked, let generation):
            if let task = workerTask { ticket.cancel = { self.letGo(task, generation) } }
            parked.resume(returning: call)
        case .startWorker(let generation):
            let task = Task(executorPreference: self) { await self.work(first: call, generation: generation) }
            workerTask = task
            ticket.cancel = { self.letGo(task, generation) }
        case .ownTask:
            let task = Task(executorPreference: self, operation: call)
            ticket.cancel = { task.cancel() }
        }
        switch waitForAny([ticket], stop: stop) {
        case .done(let done): return .done(done.value)
        case .stopped(let reason): return .stopped(reason)
        }
    }

    /// `block(on:)` for work nothing stops (undo's rounds, a shutdown): its outcome.
    public func result<T: Sendable, E: Error>(_ op: @escaping @Sendable () async throws(E) -> T) -> Result<T, E> {
        let waited = block(on: { () async -> Result<T, E> in
            do throws(E) { return .success(try await op()) } catch { return .failure(error) }
        })
        guard case .done(let result) = waited else { preconditionFailure("a wait that nothing stops was stopped") }
        return result
    }

    /// Runs `op` on an executor of the calling thread's own, released after.
    public static func run<T: Sendable>(_ op: @escaping @Sendable () async -> T) -> T {
        let executor = ThreadExecutor()
        defer { executor.release() }
        return executor.result { () async throws(Never) -> T in await op() }.get()
    }

    // MARK: waiting

    /// Runs this executor's jobs on the calling thread until one of `tickets` is done, and
    /// returns its index and value; a ticket is collected once. When `stop` gives a reason (it is
    /// asked every 50 ms of waiting, however many jobs ran), every ticket waited for is cancelled.
    public func waitForAny<T: Sendable>(_ tickets: [Ticket<T>], stop: () -> String? = { nil }) -> Waited<(index: Int, value: T)> {
        var spare: [UnownedJob] = []
        var deadline = ThreadCondition.Deadline(secondsFromNow: 0.05)
        condition.lock()
        state.beginWait()
        while true {
            for (i, ticket) in tickets.enumerated() {
                if let value = ticket.value {
                    ticket.value = nil
                    let drainer = state.endWait()
                    condition.unlock()
                    if drainer { startDrainerThread() }
                    return .done((i, value))
                }
            }
            if !state.jobs.isEmpty {
                runQueued(&spare)
                if !deadline.hasPassed { continue }
            }
            if deadline.hasPassed {
                condition.unlock()
                if let reason = stop() {
                    for ticket in tickets { ticket.cancel?() }
                    condition.lock()
                    let drainer = state.stopWaiting()
                    condition.unlock()
                    if drainer { startDrainerThread() }
                    return .stopped(reason)
                }
                deadline = ThreadCondition.Deadline(secondsFromNow: 0.05)
                condition.lock()
                continue
            }
            condition.wait(until: deadline)
        }
    }

    /// The owner will not wait any more: what is still to run runs on a thread of the
    /// executor's own, and the worker ends.
    public func release() {
        condition.lock()
        let (parked, drainer) = state.release()
        condition.unlock()
        workerTask = nil
        if drainer { startDrainerThread() }
        parked?.resume(returning: nil)
    }

    // MARK: the executor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        let drainer = state.enqueue(job)
        condition.broadcast()
        condition.unlock()
        if drainer { startDrainerThread() }
    }

    // MARK: the worker

    private func complete<T: Sendable>(_ ticket: Ticket<T>, _ value: T) {
        condition.lock()
        ticket.value = value
        condition.broadcast()
        condition.unlock()
    }

    /// The worker's loop: `first`, then each call handed to it, until it is let go or released.
    private func work(first: Call, generation: Int) async {
        var call = first
        while true {
            await call()
            guard let next = await nextCall(generation: generation) else { return }
            call = next
        }
    }

    private func nextCall(generation: Int) async -> Call? {
        await withUnsafeContinuation { (parked: UnsafeContinuation<Call?, Never>) in
            condition.lock()
            let waits = state.park(parked, generation: generation)
            condition.unlock()
            if !waits { parked.resume(returning: nil) }
        }
    }

    private func letGo(_ task: Task<Void, Never>, _ generation: Int) {
        condition.lock()
        state.letGo(generation: generation)
        condition.unlock()
        task.cancel()
    }

    // MARK: threads that run the jobs

    /// Runs the jobs queued now, unlocking around them; called and returns with the lock held.
    private func runQueued(_ spare: inout [UnownedJob]) {
        state.takeJobs(into: &spare)
        condition.unlock()
        for job in spare { job.runSynchronously(on: asUnownedTaskExecutor()) }
        spare.removeAll(keepingCapacity: true)
        condition.lock()
    }

    private func startDrainerThread() {
        let started = SystemThread.start { [self] in
            var spare: [UnownedJob] = []
            var ranOut = false
            condition.lock()
            while true {
                switch state.drainerNext(idleRanOut: ranOut) {
                case .run: runQueued(&spare); ranOut = false
                case .idle: ranOut = !condition.wait(until: .init(secondsFromNow: 1))
                case .end: condition.unlock(); return
                }
            }
        }
        if !started {
            condition.lock()
            state.drainerFailed()
            condition.unlock()
        }
    }
}
