import B24
import B24Wire
import Foundation
import Testing

/// The shared limit file (docs/shared-limit.md): cells on one file act as one limiter, whichever
/// process or thread asks; a broken file degrades to a limiter of this process, with a warning.
@Suite struct SharedLimitTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Time stands still unless a test moves it: reservations then say exactly when.
    final class FixedClock: B24Clock, @unchecked Sendable {
        var t: Double
        init(_ t: Double) { self.t = t }
        func now() -> Double { t }
        func unixNow() -> Double { 1_700_000_000 + t }
        func sleep(until deadline: Double) async throws {}
    }

    static let plan = RateLimitPlan.custom(rate: 10, burst: 20)   // capacity 19 with the least margin

    func cell(_ name: String, clock: FixedClock, key: String = "k",
              warnings: WarningLog = WarningLog()) -> LimiterCell {
        LimiterCell(RateLimiter(plan: Self.plan, now: clock.now()), sharedAt: dir.appendingPathComponent(name).path,
                    key: key, clock: clock, warn: { warnings.add($0) })
    }

    final class WarningLog: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func twoCellsOnOneFileReserveAsOneLimiter() async {
        let clock = FixedClock(1000)
        let a = cell("limit.json", clock: clock), b = cell("limit.json", clock: clock)
        var alone = RateLimiter(plan: Self.plan, now: 1000)
        for i in 0..<60 {
            let shared = await (i % 2 == 0 ? a : b).withLock { $0.admit(method: "user.current", now: 1000) }
            #expect(shared == alone.admit(method: "user.current", now: 1000), "reservation \(i)")
        }
        #expect(a.isShared && b.isShared)
    }

    @Test func aRefusalSeenByOneSlowsTheOther() async {
        let clock = FixedClock(50)
        let a = cell("limit.json", clock: clock), b = cell("limit.json", clock: clock)
        await a.withLock { _ = $0.refused(method: "user.current", code: "QUERY_LIMIT_EXCEEDED", now: 50) }
        guard case .sendAt(let t) = await b.withLock({ $0.admit(method: "user.current", now: 50) }) else {
            Issue.record("a full bucket should make b wait")
            return
        }
        #expect(t > 50)
    }

    @Test func aPausedMethodIsPausedForEveryone() async {
        let clock = FixedClock(10)
        let a = cell("limit.json", clock: clock), b = cell("limit.json", clock: clock)
        await a.withLock { _ = $0.refused(method: "crm.item.list", code: "OPERATION_TIME_LIMIT", now: 10) }
        #expect(await b.withLock { $0.admit(method: "crm.item.list", now: 10) } == .askAgainAt(70))
        #expect(await b.withLock { $0.admit(method: "user.current", now: 10) } == .send)
    }

    @Test func slotsFromManyThreadsAreNeverCloserThanTheRate() async {
        let clock = FixedClock(0)
        let cells = (0..<4).map { _ in cell("limit.json", clock: clock) }
        let slots = await withTaskGroup(of: [Double].self) { group in
            for c in cells {
                group.addTask {
                    var slots: [Double] = []
                    for _ in 0..<100 {
                        switch await c.withLock({ $0.admit(method: "m", now: 0) }) {
                        case .send: slots.append(0)
                        case .sendAt(let t): slots.append(t)
                        case .askAgainAt: slots.append(-1)
                        }
                    }
                    return slots
                }
            }
            var all: [Double] = []
            for await s in group { all += s }
            return all.sorted()
        }
        #expect(slots.count == 400)
        #expect(slots.filter { $0 == 0 }.count == 19, "the burst, less the margin, goes at once")
        let later = slots.filter { $0 > 0 }
        for (x, y) in zip(later, later.dropFirst()) { #expect(y - x > 0.099, "\(x) then \(y)") }
    }

    @Test func anotherKeyOrAGarbledFileStartsAfresh() async throws {
        let clock = FixedClock(0)
        let a = cell("limit.json", clock: clock, key: "one")
        for _ in 0..<19 { _ = await a.withLock { $0.admit(method: "m", now: 0) } }
        let other = cell("limit.json", clock: clock, key: "two")
        #expect(await other.withLock { $0.admit(method: "m", now: 0) } == .send)
        try Data("{not json".utf8).write(to: dir.appendingPathComponent("garbled.json"))
        let g = cell("garbled.json", clock: clock)
        #expect(await g.withLock { $0.admit(method: "m", now: 0) } == .send)
        #expect(g.isShared)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("limit.json").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func anUnusableFileDegradesWithOneWarning() async throws {
        let clock = FixedClock(0)
        let warnings = WarningLog()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("a-directory.json"), withIntermediateDirectories: true)
        let c = cell("a-directory.json", clock: clock, warnings: warnings)
        #expect(!c.isShared)
        #expect(await c.withLock { $0.admit(method: "m", now: 0) } == .send)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("shared rate limit is off") == true)
    }

    @Test func theDefaultPathIsPerPortalAndPlan() throws {
        let env = ["XDG_RUNTIME_DIR": "/run/user/1000"]
        let a = try #require(SharedLimitFile.defaultPath(host: "https://a.bitrix24.ru", plan: .standard, environment: env))
        let b = try #require(SharedLimitFile.defaultPath(host: "https://a.bitrix24.ru", plan: .enterprise, environment: env))
        let c = try #require(SharedLimitFile.defaultPath(host: "http://127.0.0.1:8024", plan: .standard, environment: env))
        #expect(a.path.hasPrefix("/run/user/1000/b24lua/"))
        #expect(Set([a.path, b.path, c.path]).count == 3)
        #expect(!c.path.contains(":"))
        let fallback = SharedLimitFile.defaultPath(host: "https://a.b", plan: .standard, environment: ["HOME": "/home/x"])
        #expect(fallback?.path.hasPrefix("/home/x/.local/state/b24lua/") == true)
    }
}
