import B24
@testable import B24Lua
import Foundation
import LuaHost
import Synchronization
import Testing

/// docs/architecture.md rule 3, tried the hard way: with every thread of Swift's cooperative pool
/// held, a script's single calls, its `b24.batch` and its `b24.each` batches still finish,
/// because their work runs on the Lua thread that waits for them (`ThreadExecutor`). Before,
/// `b24.each`'s batches ran on pool tasks and waited for the pool.
@Suite struct PoolHeldTests {
    @Test func callsBatchesAndEachFinishWhileEveryPoolThreadIsHeld() async throws {
        let m = try InProcessModule()
        let width = ProcessInfo.processInfo.activeProcessorCount
        let started = Started()
        let letGo = DispatchSemaphore(value: 0)
        // Deliberately against the house rule for tests: each blocker holds a pool thread until
        // the script is done, at most 60 s (a bound on a failure, not on speed).
        let blockers = (0..<width).map { _ in
            Task.detached { () -> Bool in
                started.count.add(1, ordering: .sequentiallyConsistent)
                return letGo.wait(timeout: .now() + 60) == .timedOut
            }
        }
        let (held, answers) = try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Bool, [LuaValue]), any Error>) in
            Thread {
                // The pool may be busy with other suites first: wait until every blocker runs.
                let deadline = Date().addingTimeInterval(120)
                while started.count.load(ordering: .sequentiallyConsistent) < width && Date() < deadline { usleep(1_000) }
                let allHeld = started.count.load(ordering: .sequentiallyConsistent) == width
                let result = Result { () throws -> [LuaValue] in
                    try m.runHere("""
                        local t = {entity_type = "lead", entity = 1205, user = 503, chat = 1763}
                        local chat = b24.chat_user_delete(t)
                        b24.chat_user_add(t)
                        local results, errors = b24.batch{{"user.current"}}
                        local items = {t, {entity_type = "lead", entity = 1205, user = 506, chat = 1763}}
                        local report = b24.each(items, function(item) b24.chat_user_delete(item); b24.chat_user_add(item) end)
                        return chat, results[1].ID, next(errors) == nil, report.ok, #report.failed
                        """)
                }
                // Still held when the script ended: no blocker has been let go yet.
                for _ in 0..<width { letGo.signal() }
                c.resume(with: result.map { (allHeld, $0) })
            }.start()
        }
        #expect(held, "the blockers never all ran, so the pool was not held")
        for blocker in blockers {
            #expect(await blocker.value == false, "the script finished only once the pool was let go")
        }
        #expect(answers == [.integer(1763), .string("1"), .boolean(true), .integer(2), .integer(0)])
    }

    /// How many blockers have started.
    final class Started: Sendable {
        let count = Atomic<Int>(0)
    }
}
