import Foundation
import Testing
@testable import B24

/// The shared limit file's bytes (LimitFileLayout, docs/shared-limit.md "The file"): what a cell
/// writes, what it makes of a file that is truncated, garbled, of another layout version or of
/// another boot, and that concurrent writers lose nothing.
@Suite struct SharedLimitFileTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    typealias FixedClock = SharedLimitTests.FixedClock
    typealias WarningLog = SharedLimitTests.WarningLog

    static let plan = RateLimitPlan.custom(rate: 10, burst: 20)   // margin 1...4: capacity 19 at first

    var path: String { dir.appendingPathComponent("limit.v2").path }

    func cell(_ clock: FixedClock, key: String = "k", warnings: WarningLog = WarningLog()) -> LimiterCell {
        LimiterCell(RateLimiter(plan: Self.plan, now: clock.now()), sharedAt: path, key: key, clock: clock,
                    warn: { warnings.add($0) })
    }

    func bytes() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
    func write(_ b: [UInt8]) throws { try Data(b).write(to: URL(fileURLWithPath: path)) }

    /// A cell that filled the bucket at t = 0: a fresh cell on the same file must wait.
    func filled(_ clock: FixedClock) -> LimiterCell {
        let a = cell(clock)
        for _ in 0..<19 { _ = a.withLock { $0.admit(method: "m", now: 0) } }
        return a
    }

    func seesTheFullBucket(_ c: LimiterCell) -> Bool {
        if case .sendAt = c.withLock({ $0.admit(method: "m", now: 0) }) { return true }
        return false
    }

    func field(_ b: [UInt8], _ offset: Int) -> UInt64 {
        b.withUnsafeBytes { LimitFileLayout.u64($0, offset) }
    }

    /// The header's fields, with the checksum made right again after an edit.
    func resealed(_ b: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var b = b
        edit(&b)
        let length = b.count
        let generation = field(b, LimitFileLayout.Offset.generation)
        b.withUnsafeMutableBytes { _ = LimitFileLayout.seal($0, length: length, generation: generation) }
        return b
    }

    @Test func theFileIsSmallSealedAndPrivate() throws {
        let clock = FixedClock(0)
        _ = filled(clock)
        let b = try bytes()
        #expect(b.count == LimitFileLayout.headerSize + LimitFileLayout.checksumSize, "no method has a budget state yet")
        #expect(Array(b[0..<4]) == Array("B24L".utf8))
        b.withUnsafeBytes { raw in
            #expect(LimitFileLayout.u32(raw, LimitFileLayout.Offset.version) == 2)
            #expect(Int(LimitFileLayout.u32(raw, LimitFileLayout.Offset.length)) == b.count)
            #expect(LimitFileLayout.f64(raw, LimitFileLayout.Offset.level) == 19)
            #expect(LimitFileLayout.f64(raw, LimitFileLayout.Offset.margin) == 1)
        }
        #expect(field(b, LimitFileLayout.Offset.generation) == 19, "one write per reservation")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aSuccessIsWrittenWithTheNextReservationNotOnItsOwn() throws {
        let clock = FixedClock(0)
        let a = cell(clock), b = cell(clock)
        for i in 0..<10 {
            _ = a.withLock { $0.admit(method: "m", now: Double(i)) }
            a.accepted(method: "m", time: ["operating": 1, "operating_reset_at": 1_700_000_600], now: Double(i), unixNow: 1_700_000_000 + Double(i))
        }
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == 10)
        // The last success is not in the file yet; another process sees it with a's next event.
        #expect(b.withLock { $0.budget.operating(of: "m") } == 1, "the ninth success came with the tenth reservation")
        a.accepted(method: "m", time: ["operating": 500, "operating_reset_at": 1_700_000_300], now: 11, unixNow: 1_700_000_011)
        #expect(b.withLock { $0.admit(method: "m", now: 12) } == .send)
        a.flush()
        #expect(b.withLock { $0.admit(method: "m", now: 12) } == .askAgainAt(300), "paused for everyone once written")
        let written = field(try bytes(), LimitFileLayout.Offset.generation)
        a.flush()
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == written, "nothing pending, nothing written")
    }

    @Test func methodRecordsRoundTripUpToTheLongestName() throws {
        let clock = FixedClock(0)
        let a = cell(clock)
        let long = String(repeating: "x", count: 200)
        for m in ["crm.item.list", long, "user.get"] {
            a.withLock { _ = $0.refused(method: m, code: "OPERATION_TIME_LIMIT", now: 0) }
        }
        let b = cell(clock)
        for m in ["crm.item.list", long, "user.get"] {
            #expect(b.withLock { $0.admit(method: m, now: 1) } == .askAgainAt(60), "\(m.prefix(20))")
        }
        #expect(b.withLock { $0.admit(method: "other", now: 1) } == .send)
        let size = try bytes().count
        #expect(size == LimitFileLayout.headerSize + 3 * LimitFileLayout.recordFixed + 13 + 200 + 8 + LimitFileLayout.checksumSize)
        // Once the pauses are over and nothing else is known, the records go and the file shrinks.
        clock.t = 700
        _ = b.withLock { $0.admit(method: "crm.item.list", now: 700) }
        #expect(try bytes().count == LimitFileLayout.headerSize + LimitFileLayout.checksumSize)
    }

    @Test func moreMethodsThanRecordsKeepTheLongestPauses() throws {
        let clock = FixedClock(0)
        let a = cell(clock)
        for i in 0..<(LimitFileLayout.maxMethods + 6) {
            a.withLock { $0.observe(method: "m\(i)", time: ["operating": 1, "operating_reset_at": .int(1_700_000_000 + 10 + Int64(i))], now: 0, unixNow: 1_700_000_000) }
        }
        _ = a.withLock { $0.level(at: 0) }
        let b = cell(clock)
        #expect(b.withLock { $0.budget.operating(of: "m69") } == 1)
        #expect(b.withLock { $0.budget.operating(of: "m0") } == 0, "the earliest resets were left out")
    }

    @Test(arguments: ["truncated", "garbled", "another version", "a bad checksum", "too long", "bad records"])
    func anUnreadableFileStartsAfreshWithOneWarning(_ damage: String) throws {
        let clock = FixedClock(0)
        let a = filled(clock)
        a.withLock { _ = $0.refused(method: "crm.item.list", code: "OPERATION_TIME_LIMIT", now: 0) }
        let good = try bytes()
        var bad = good
        switch damage {
        case "truncated": bad = Array(good.prefix(60))
        case "garbled": bad = Array("{\"v\":1,\"key\":\"k\"}".utf8)
        case "another version": bad = resealed(good) { $0[LimitFileLayout.Offset.version] = 3 }
        case "a bad checksum": bad[LimitFileLayout.Offset.level] ^= 0x40
        case "too long": bad += [0, 0, 0, 0]
        default: bad = resealed(good) { $0[LimitFileLayout.headerSize] = 250 }  // a name longer than the file
        }
        try write(bad)
        let warnings = WarningLog()
        let b = cell(clock, warnings: warnings)
        #expect(b.withLock { $0.admit(method: "m", now: 0) } == .send, "afresh: b's own empty bucket")
        #expect(b.isShared)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("was unreadable") == true, "\(warnings.all)")
        // b wrote a good file again: a third cell shares b's state.
        let c = cell(clock)
        #expect(c.withLock { $0.level(at: 0) } == 1)
        try write(bad)
        _ = b.withLock { $0.admit(method: "m", now: 0) }
        #expect(warnings.all.count == 1, "one warning, however often")
    }

    @Test func aFileOfAnotherBootOrKeyStartsAfreshSilently() throws {
        let clock = FixedClock(0)
        _ = filled(clock)
        let good = try bytes()
        for edit in [LimitFileLayout.Offset.boot + 3, LimitFileLayout.Offset.key] {
            try write(resealed(good) { $0[edit] ^= 0xFF })
            let warnings = WarningLog()
            let b = cell(clock, warnings: warnings)
            #expect(!seesTheFullBucket(b), "its times belong to another boot, or it is another portal's")
            #expect(warnings.all.isEmpty)
        }
        try write(good)
        #expect(seesTheFullBucket(cell(clock)), "the control: the same bytes, unedited, are taken")
    }

    @Test func anotherProcessesWriteIsTakenEvenWhenItLooksLikeOurs() throws {
        // Same length and generation, other contents: the checksum tells them apart.
        let clock = FixedClock(0)
        let a = cell(clock)
        _ = a.withLock { $0.admit(method: "m", now: 0) }
        let mine = try bytes()
        try write(resealed(mine) { b in
            b.withUnsafeMutableBytes { LimitFileLayout.put($0, LimitFileLayout.Offset.level, 19.0) }
        })
        #expect(a.withLock { $0.level(at: 0) } == 19)
    }

    @Test func concurrentWritersLoseNoReservation() async throws {
        // Each cell has a descriptor of its own, and the file's lock belongs to the descriptor: to
        // the kernel these are four processes.
        let clock = FixedClock(0)
        let cells = (0..<4).map { _ in cell(clock) }
        await withTaskGroup(of: Void.self) { group in
            for c in cells {
                group.addTask {
                    for _ in 0..<250 { _ = c.withLock { $0.admit(method: "m", now: 0) } }
                }
            }
        }
        #expect(cell(clock).withLock { $0.level(at: 0) } == 1000)
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == 1000)
    }

    @Test func aMarginGrownByOneIsKeptByAll() {
        let clock = FixedClock(0)
        let a = cell(clock), b = cell(clock)
        a.withLock { _ = $0.refused(method: "batch", code: "QUERY_LIMIT_EXCEEDED", now: 0) }
        #expect(b.withLock { $0.margin.value } == 2)
        #expect(b.withLock { $0.bucket?.capacity } == 18)
    }
}
