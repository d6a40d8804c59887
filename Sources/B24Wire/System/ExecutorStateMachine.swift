/// `ThreadExecutor`'s state (docs/architecture.md, rules 3 and 5): who runs the queued jobs, and
/// where the worker task that runs single calls stands. A value whose transitions return what
/// the executor must then do outside its lock (resume the worker, start a thread), in the
/// swift-nio style; generic over the job and the parked worker, so its tests use plain values.
struct ExecutorStateMachine<Job, Parked> {
    /// Who runs the queued jobs.
    enum Runner: Equatable {
        /// The owner is busy elsewhere (running Lua): jobs wait for its next wait.
        case nobody
        /// The owner waits and runs them.
        case owner
        /// A thread of the executor's own runs them: after a stopped wait until the owner
        /// waits again, and for good once the owner has released the executor.
        case drainer
    }

    /// The worker task that runs single calls, one after another.
    enum Worker {
        case none
        /// Running a call.
        case busy
        /// Waiting for the next call.
        case idle(Parked)
    }

    /// How a single call gets to run.
    enum Handing {
        /// Resume the parked worker with it.
        case resume(Parked, generation: Int)
        /// Start the worker task with it.
        case startWorker(generation: Int)
        /// A task of its own: the worker is busy (a wait inside a wait) or the executor released.
        case ownTask
    }

    /// What a drainer thread does next.
    enum DrainerStep: Equatable { case run, idle, end }

    private(set) var jobs: [Job] = []
    private(set) var runner = Runner.nobody
    private(set) var drainerRunning = false
    private(set) var released = false
    private(set) var worker = Worker.none
    /// Bumped when the worker is let go (its call was stopped): a worker of an older generation
    /// ends instead of waiting for another call.
    private(set) var generation = 0

    /// A job arrived. True: start a drainer thread.
    mutating func enqueue(_ job: Job) -> Bool {
        jobs.append(job)
        return claimDrainer(runner == .drainer)
    }

    /// The queued jobs, for the thread that runs them (no allocation: the buffers swap).
    mutating func takeJobs(into spare: inout [Job]) { swap(&jobs, &spare) }

    mutating func handCall() -> Handing {
        switch worker {
        case .idle(let parked):
            worker = .busy
            return .resume(parked, generation: generation)
        case .none where !released:
            worker = .busy
            return .startWorker(generation: generation)
        default:
            return .ownTask
        }
    }

    /// The worker of `generation` finished its call and waits for the next. False: it ends.
    mutating func park(_ parked: Parked, generation g: Int) -> Bool {
        guard g == generation, !released, case .busy = worker else { return false }
        worker = .idle(parked)
        return true
    }

    /// A stopped call's worker is let go: the next call starts a fresh one rather than wait
    /// behind the stopped call.
    mutating func letGo(generation g: Int) {
        guard g == generation else { return }
        generation += 1
        worker = .none
    }

    mutating func beginWait() { runner = .owner }

    /// The owner's wait ended with what it waited for. True: start a drainer.
    mutating func endWait() -> Bool {
        runner = released ? .drainer : .nobody
        return claimDrainer(released && !jobs.isEmpty)
    }

    /// The owner's wait was stopped: the jobs go to a drainer. True: start one.
    mutating func stopWaiting() -> Bool {
        runner = .drainer
        return claimDrainer(!jobs.isEmpty)
    }

    /// The owner lets go for good: the parked worker, to be resumed with no call, and whether to
    /// start a drainer.
    mutating func release() -> (parked: Parked?, startDrainer: Bool) {
        released = true
        var parked: Parked?
        if case .idle(let p) = worker { parked = p }
        worker = .none
        runner = .drainer
        return (parked, claimDrainer(!jobs.isEmpty))
    }

    /// The drainer's next step; `idleRanOut`: its last wait for a job ran out (a second).
    mutating func drainerNext(idleRanOut: Bool) -> DrainerStep {
        if runner != .drainer || (idleRanOut && jobs.isEmpty) {
            drainerRunning = false
            return .end
        }
        return jobs.isEmpty ? .idle : .run
    }

    /// No thread could be had: the next job that finds no drainer tries again.
    mutating func drainerFailed() { drainerRunning = false }

    private mutating func claimDrainer(_ needed: Bool) -> Bool {
        guard needed, !drainerRunning else { return false }
        drainerRunning = true
        return true
    }
}
