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
    /// An operation started on this executor, whose end a wait looks for. Not generic: the
    /// waiting is the same for every kind of value, and a generic wait called from another
    /// module looked up its type's metadata on every call (docs/performance.md).
    public class Ticket: @unchecked Sendable {
        /// Set once, under the executor's lock.
        @usableFromInline var done = false
        @usableFromInline var cancel: (@Sendable () -> Void)?
        @usableFromInline init() {}
    }

    /// A ticket and the value its operation ends with: written before the executor is told
    /// (`finish`), whose lock orders it before any wait that sees the ticket done.
    public final class Slot<T: Sendable>: Ticket, @unchecked Sendable {
        @usableFromInline var value: T?
        @usableFromInline override init() {}
        /// The value, once; the slot is collected.
        @usableFromInline func take() -> T {
            defer { value = nil }
            return value!
        }
    }

    /// How a wait ended.
    public enum Waited<T> {
        case done(T)
        /// `stop` gave this reason; what was waited for was cancelled.
        case stopped(String)
    }

    /// How a wait ended, for any ticket: which one, or why it stopped.
    @usableFromInline enum End {
        case ticket(Int)
        case stopped(String)
    }

    public typealias Call = @Sendable () async -> Void

    /// Guarded by `condition`'s lock; every change is one of its transitions.
    private var state = ExecutorStateMachine<UnownedJob, UnsafeContinuation<Call?, Never>>()
    private let condition = ThreadCondition()
    /// The worker's task, to cancel it; only the owner's thread reads and writes it.
    private var workerTask: Task<Void, Never>?
    /// The owner's second job buffer: the queue and it swap, so neither is allocated anew.
    private var ownerSpare: [UnownedJob] = []

    public init() {}

    // MARK: the generic surface, specialised where it is called

    /// Starts `op` in a task of its own; `waitForAny` collects its value.
    @inlinable
    public func start<T: Sendable>(_ op: @escaping @Sendable () async -> T) -> Slot<T> {
        let slot = Slot<T>()
        startTask(slot) {
            slot.value = await op()
            self.finish(slot)
        }
        return slot
    }

    /// Runs `op` to its end on this thread's executor; on `stop`, cancels it and returns why.
    @inlinable
    public func block<T: Sendable>(on op: @escaping @Sendable () async -> T,
                                   stop: () -> String? = { nil }) -> Waited<T> {
        let slot = Slot<T>()
        switch run(slot, stop: stop, call: {
            slot.value = await op()
            self.finish(slot)
        }) {
        case .ticket: return .done(slot.take())
        case .stopped(let reason): return .stopped(reason)
        }
    }

    /// Runs this executor's jobs on the calling thread until one of `slots` is done, and
    /// returns its index and value; a slot is collected once. When `stop` gives a reason (it is
    /// asked every 50 ms of waiting, however many jobs ran), every slot waited for is cancelled.
    @inlinable
    public func waitForAny<T: Sendable>(_ slots: [Slot<T>], stop: () -> String? = { nil }) -> Waited<(index: Int, value: T)> {
        switch wait(slots, stop: stop) {
        case .ticket(let i): return .done((i, slots[i].take()))
        case .stopped(let reason): return .stopped(reason)
        }
    }

    /// `block(on:)` for work nothing stops (undo's rounds, a shutdown): its outcome.
    @inlinable
    public func result<T: Sendable, E: Error>(_ op: @escaping @Sendable () async throws(E) -> T) -> Result<T, E> {
        let waited = block(on: { () async -> Result<T, E> in
            do throws(E) { return .success(try await op()) } catch { return .failure(error) }
        })
        guard case .done(let result) = waited else { preconditionFailure("a wait that nothing stops was stopped") }
        return result
    }

    /// Runs `op` on an executor of the calling thread's own, released after.
    @inlinable
    public static func run<T: Sendable>(_ op: @escaping @Sendable () async -> T) -> T {
        let executor = ThreadExecutor()
        defer { executor.release() }
        return executor.result { () async throws(Never) -> T in await op() }.get()
    }

    // MARK: starting work

    @usableFromInline func startTask(_ ticket: Ticket, _ call: @escaping Call) {
        let task = Task(executorPreference: self, operation: call)
        ticket.cancel = { task.cancel() }
    }

    /// `call`, the work of `ticket`, handed to the worker; then waited for.
    @usableFromInline func run(_ ticket: Ticket, stop: () -> String?, call: @escaping Call) -> End {
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
            startTask(ticket, call)
        }
        return wait(count: 1, { _ in ticket }, stop: stop)
    }

    /// The operation of `ticket` has ended (its value, if any, is written).
    @usableFromInline func finish(_ ticket: Ticket) {
        condition.lock()
        ticket.done = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: waiting

    /// Runs this executor's jobs on the calling thread until one of `tickets` is done.
    @usableFromInline func wait(_ tickets: [Ticket], stop: () -> String?) -> End {
        wait(count: tickets.count, { tickets[$0] }, stop: stop)
    }

    private func wait(count: Int, _ tickets: (Int) -> Ticket, stop: () -> String?) -> End {
        var deadline = ThreadCondition.Deadline(secondsFromNow: 0.05)
        condition.lock()
        state.beginWait()
        while true {
            for i in 0..<count where tickets(i).done {
                tickets(i).done = false
                let drainer = state.endWait()
                condition.unlock()
                if drainer { startDrainerThread() }
                return .ticket(i)
            }
            if !state.jobs.isEmpty {
                runQueued(&ownerSpare)
                if !deadline.hasPassed { continue }
            }
            if deadline.hasPassed {
                condition.unlock()
                if let reason = stop() {
                    for i in 0..<count { tickets(i).cancel?() }
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
