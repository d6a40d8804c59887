@testable import B24Wire
import Testing

/// `ThreadExecutor`'s transitions as values, without threads or clocks (docs/architecture.md,
/// rule 5). Jobs and parked workers are plain numbers here.
@Suite struct ExecutorStateMachineTests {
    typealias Machine = ExecutorStateMachine<Int, String>

    @Test func callsReuseTheParkedWorker() {
        var m = Machine()
        guard case .startWorker(let g) = m.handCall() else { Issue.record("the first call starts no worker"); return }
        let r1 = m.park("w1", generation: g)
        #expect(r1)
        guard case .resume(let parked, let g2) = m.handCall() else { Issue.record("the parked worker was not reused"); return }
        #expect(parked == "w1" && g2 == g)
        // A wait inside a wait: the worker is busy, so the call gets a task of its own.
        guard case .ownTask = m.handCall() else { Issue.record("a second call waited behind the busy worker"); return }
    }

    @Test func aLetGoWorkerEndsAndTheNextCallStartsAFreshOne() {
        var m = Machine()
        guard case .startWorker(let old) = m.handCall() else { return }
        m.letGo(generation: old)
        guard case .startWorker(let fresh) = m.handCall() else { Issue.record("the next call waits behind the stopped one"); return }
        #expect(fresh != old)
        // The stopped call ends later: its worker must end, not park in the fresh one's place.
        let r2 = m.park("old", generation: old)
        #expect(!r2)
        let r3 = m.park("fresh", generation: fresh)
        #expect(r3)
        // Letting go of a generation already let go changes nothing.
        m.letGo(generation: old)
        guard case .resume(let parked, _) = m.handCall() else { Issue.record("a stale let-go dropped the worker"); return }
        #expect(parked == "fresh")
    }

    @Test func jobsWaitForTheOwnerUnlessAWaitWasStopped() {
        var m = Machine()
        let r4 = m.enqueue(1)
        #expect(!r4, "a job started a thread while the owner runs Lua")
        m.beginWait()
        let r5 = m.enqueue(2)
        #expect(!r5)
        let r6 = m.endWait()
        #expect(!r6)
        #expect(m.runner == .nobody)
        // A stopped wait: the queued jobs go to one drainer, not one per job.
        m.beginWait()
        let r7 = m.stopWaiting()
        #expect(r7, "a stopped wait with jobs queued started no drainer")
        let r8 = m.enqueue(3)
        #expect(!r8)
        let r9 = m.drainerNext(idleRanOut: false)
        #expect(r9 == .run)
        var spare: [Int] = []
        m.takeJobs(into: &spare)
        #expect(spare == [1, 2, 3])
        let r10 = m.drainerNext(idleRanOut: false)
        #expect(r10 == .idle)
        let r11 = m.drainerNext(idleRanOut: true)
        #expect(r11 == .end)
        let r12 = m.enqueue(4)
        #expect(r12, "a job after the drainer ended found no thread")
        // The owner waits again: the drainer gives the jobs back at its next step.
        m.beginWait()
        let r13 = m.drainerNext(idleRanOut: false)
        #expect(r13 == .end)
        #expect(!m.drainerRunning)
    }

    @Test func aStoppedWaitWithNothingQueuedStartsADrainerAtTheFirstJob() {
        var m = Machine()
        m.beginWait()
        let r14 = m.stopWaiting()
        #expect(!r14)
        let r15 = m.enqueue(1)
        #expect(r15)
        let r16 = m.enqueue(2)
        #expect(!r16)
    }

    @Test func releaseEndsTheWorkerAndHandsEverythingOver() {
        var m = Machine()
        guard case .startWorker(let g) = m.handCall() else { return }
        let r17 = m.park("w", generation: g)
        #expect(r17)
        let r18 = m.enqueue(1)
        #expect(r18 == false)
        let (parked, drainer) = m.release()
        #expect(parked == "w", "the parked worker was not resumed to end")
        #expect(drainer)
        let r19 = m.park("w", generation: g)
        #expect(!r19)
        guard case .ownTask = m.handCall() else { Issue.record("a released executor started a worker"); return }
        // A wait after release ends by handing its jobs over again.
        m.beginWait()
        let r20 = m.enqueue(2)
        #expect(!r20)
        let r21 = m.drainerNext(idleRanOut: false)
        #expect(r21 == .end)
        let r22 = m.endWait()
        #expect(r22)
        #expect(m.runner == .drainer)
    }

    @Test func aBusyWorkerAtReleaseEndsAfterItsCall() {
        var m = Machine()
        guard case .startWorker(let g) = m.handCall() else { return }
        let (parked, drainer) = m.release()
        #expect(parked == nil && !drainer)
        let r23 = m.park("w", generation: g)
        #expect(!r23)
    }
}
