import B24
@testable import B24Lua
import Foundation
import Testing

/// The bridge's one long-lived worker task (docs/performance.md "The in-process call"): it waits
/// in its mailbox between calls, so the bridge that posts to it must end it when it goes. A
/// task left waiting for a call nobody will post keeps itself, its executor and its mailbox
/// for the rest of the process, once per module that ever made a call.
@Suite struct BridgeLifetimeTests {
    @Test func aReleasedBridgeEndsItsWorkerTask() async throws {
        // One call on a thread of its own (as the Lua thread makes it); the bridge is released
        // when that thread's closure ends.
        let (answer, worker) = try await withCheckedThrowingContinuation { c in
            Thread {
                let bridge = BlockingBridge()
                c.resume(with: Result { () throws -> (Int?, Task<Void, Never>?) in
                    let r = try bridge.run { () async throws(B24Error) -> Int in 42 }
                    return (try? r.get(), bridge.worker?.task)
                })
            }.start()
        }
        #expect(answer == 42)
        let task = try #require(worker, "the call ran without a worker task")
        // The worker's loop ends once the bridge is gone. Waited for on a thread of its own, with
        // a bound far beyond the few jobs the end takes, so a worker left waiting fails the test
        // instead of hanging the run. The detached task needs the pool, which CPU-bound suites
        // can hold for half a minute on two loaded cores (docs/testing.md): hence 120 s.
        let ended = DispatchSemaphore(value: 0)
        Task.detached { await task.value; ended.signal() }
        let outcome = await withCheckedContinuation { c in
            Thread { c.resume(returning: ended.wait(timeout: .now() + 120)) }.start()
        }
        #expect(outcome == .success, "the worker task still waits for a call that no bridge will post")
    }
}
