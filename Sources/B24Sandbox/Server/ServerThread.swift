import B24Wire

/// A thread of the server's own that runs its request handlers, so that they never wait for a
/// thread of Swift's cooperative pool: a process whose pool is busy (a test process running
/// the suites in parallel, docs/testing.md) still gets its answers in time.
@available(macOS 15, *)
final class ServerThread: TaskExecutor, @unchecked Sendable {
    private let condition = ThreadCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var exited = false

    init() {
        // No thread to be had (the process's limit): the jobs run on the global executor.
        if !SystemThread.start({ [self] in loop() }) { exited = true }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if exited {
            // A late job of a stopped server (a continuation resumed after stop) still runs.
            condition.unlock()
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the jobs queued so far have run.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                exited = true
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
