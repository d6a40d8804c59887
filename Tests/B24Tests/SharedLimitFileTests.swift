import Foundation
import Glibc
import Testing
@testable import B24
@testable import B24Wire

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
    func filled(_ clock: FixedClock) async -> LimiterCell {
        let a = cell(clock)
        for _ in 0..<19 { _ = await a.withLock { $0.admit(method: "m", now: 0) } }
        return a
    }

    func seesTheFullBucket(_ c: LimiterCell) async -> Bool {
        if case .sendAt = await c.withLock({ $0.admit(method: "m", now: 0) }) { return true }
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

    @Test func theFileIsSmallSealedAndPrivate() async throws {
        let clock = FixedClock(0)
        _ = await filled(clock)
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

    @Test func aSuccessIsWrittenWithTheNextReservationNotOnItsOwn() async throws {
        let clock = FixedClock(0)
        let a = cell(clock), b = cell(clock)
        for i in 0..<10 {
            clock.t = Double(i)  // the events' times are the clock's (a file ahead of it is refused)
            _ = await a.withLock { $0.admit(method: "m", now: Double(i)) }
            a.accepted(method: "m", time: ["operating": 1, "operating_reset_at": 1_700_000_600], now: Double(i), unixNow: 1_700_000_000 + Double(i))
        }
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == 10)
        // The last success is not in the file yet; another process sees it with a's next event.
        #expect(await b.withLock { $0.budget.operating(of: "m") } == 1, "the ninth success came with the tenth reservation")
        a.accepted(method: "m", time: ["operating": 500, "operating_reset_at": 1_700_000_300], now: 11, unixNow: 1_700_000_011)
        clock.t = 12
        #expect(await b.withLock { $0.admit(method: "m", now: 12) } == .send)
        await a.flush()
        #expect(await b.withLock { $0.admit(method: "m", now: 12) } == .askAgainAt(300), "paused for everyone once written")
        let written = field(try bytes(), LimitFileLayout.Offset.generation)
        await a.flush()
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == written, "nothing pending, nothing written")
    }

    @Test func methodRecordsRoundTripUpToTheLongestName() async throws {
        let clock = FixedClock(0)
        let a = cell(clock)
        let long = String(repeating: "x", count: 200)
        for m in ["crm.item.list", long, "user.get"] {
            await a.withLock { _ = $0.refused(method: m, code: "OPERATION_TIME_LIMIT", now: 0) }
        }
        let b = cell(clock)
        for m in ["crm.item.list", long, "user.get"] {
            #expect(await b.withLock { $0.admit(method: m, now: 1) } == .askAgainAt(60), "\(m.prefix(20))")
        }
        #expect(await b.withLock { $0.admit(method: "other", now: 1) } == .send)
        let size = try bytes().count
        #expect(size == LimitFileLayout.headerSize + 3 * LimitFileLayout.recordFixed + 13 + 200 + 8 + LimitFileLayout.checksumSize)
        // Once the pauses are over and nothing else is known, the records go and the file shrinks.
        clock.t = 700
        _ = await b.withLock { $0.admit(method: "crm.item.list", now: 700) }
        #expect(try bytes().count == LimitFileLayout.headerSize + LimitFileLayout.checksumSize)
    }

    @Test func moreMethodsThanRecordsKeepTheLongestPauses() async throws {
        let clock = FixedClock(0)
        let a = cell(clock)
        for i in 0..<(LimitFileLayout.maxMethods + 6) {
            await a.withLock { $0.observe(method: "m\(i)", time: ["operating": 1, "operating_reset_at": .int(1_700_000_000 + 10 + Int64(i))], now: 0, unixNow: 1_700_000_000) }
        }
        _ = await a.withLock { $0.level(at: 0) }
        let b = cell(clock)
        #expect(await b.withLock { $0.budget.operating(of: "m69") } == 1)
        #expect(await b.withLock { $0.budget.operating(of: "m0") } == 0, "the earliest resets were left out")
    }

    @Test(arguments: ["truncated", "garbled", "another version", "a bad checksum", "too long", "bad records"])
    func anUnreadableFileStartsAfreshWithOneWarning(_ damage: String) async throws {
        let clock = FixedClock(0)
        let a = await filled(clock)
        await a.withLock { _ = $0.refused(method: "crm.item.list", code: "OPERATION_TIME_LIMIT", now: 0) }
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
        #expect(await b.withLock { $0.admit(method: "m", now: 0) } == .send, "afresh: b's own empty bucket")
        #expect(b.isShared)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("was unreadable") == true, "\(warnings.all)")
        // b wrote a good file again: a third cell shares b's state.
        let c = cell(clock)
        #expect(await c.withLock { $0.level(at: 0) } == 1)
        try write(bad)
        _ = await b.withLock { $0.admit(method: "m", now: 0) }
        #expect(warnings.all.count == 1, "one warning, however often")
    }

    @Test func aFileOfAnotherBootOrKeyStartsAfreshSilently() async throws {
        let clock = FixedClock(0)
        _ = await filled(clock)
        let good = try bytes()
        for edit in [LimitFileLayout.Offset.boot + 3, LimitFileLayout.Offset.key] {
            try write(resealed(good) { $0[edit] ^= 0xFF })
            let warnings = WarningLog()
            let b = cell(clock, warnings: warnings)
            #expect(!(await seesTheFullBucket(b)), "its times belong to another boot, or it is another portal's")
            #expect(warnings.all.isEmpty)
        }
        try write(good)
        #expect(await seesTheFullBucket(cell(clock)), "the control: the same bytes, unedited, are taken")
    }

    @Test func anotherProcessesWriteIsTakenEvenWhenItLooksLikeOurs() async throws {
        // Same length and generation, other contents: the checksum tells them apart.
        let clock = FixedClock(0)
        let a = cell(clock)
        _ = await a.withLock { $0.admit(method: "m", now: 0) }
        let mine = try bytes()
        try write(resealed(mine) { b in
            b.withUnsafeMutableBytes { LimitFileLayout.put($0, LimitFileLayout.Offset.level, 19.0) }
        })
        #expect(await a.withLock { $0.level(at: 0) } == 19)
    }

    @Test func concurrentWritersLoseNoReservation() async throws {
        // Each cell has a descriptor of its own, and the file's lock belongs to the descriptor: to
        // the kernel these are four processes.
        let clock = FixedClock(0)
        let cells = (0..<4).map { _ in cell(clock) }
        await withTaskGroup(of: Void.self) { group in
            for c in cells {
                group.addTask {
                    for _ in 0..<250 { _ = await c.withLock { $0.admit(method: "m", now: 0) } }
                }
            }
        }
        #expect(await cell(clock).withLock { $0.level(at: 0) } == 1000)
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == 1000)
    }

    @Test func aMarginGrownByOneIsKeptByAll() async {
        let clock = FixedClock(0)
        let a = cell(clock), b = cell(clock)
        await a.withLock { _ = $0.refused(method: "batch", code: "QUERY_LIMIT_EXCEEDED", now: 0) }
        #expect(await b.withLock { $0.margin.value } == 2)
        #expect(await b.withLock { $0.bucket?.capacity } == 18)
    }
}

/// What no real clock could have written (docs/shared-limit.md, "The file"): a valid, sealed
/// file whose state lies beyond the plan's horizon, or holds NaN or an impossible rate, is refused
/// like a damaged one, with one warning, instead of making every process wait for it.
extension SharedLimitFileTests {
    static let implausible: [String] = ["a bucket time a day ahead", "a NaN level", "a negative rate", "an infinite slowed-at",
                                        "a pause a day ahead", "a NaN operating time", "a queue that drains in a day"]

    @Test(arguments: implausible)
    func aStateNoClockCouldProduceIsRefusedWithOneWarning(_ forgery: String) async throws {
        let clock = FixedClock(1000)
        let a = cell(clock)
        _ = await a.withLock { $0.admit(method: "m", now: 1000) }
        await a.withLock { _ = $0.refused(method: "crm.item.list", code: "OPERATION_TIME_LIMIT", now: 1000) }
        let good = try bytes()
        let record = LimitFileLayout.headerSize + 1 + "crm.item.list".utf8.count
        func set(_ offset: Int, _ v: Double) -> [UInt8] {
            resealed(good) { b in b.withUnsafeMutableBytes { LimitFileLayout.put($0, offset, v) } }
        }
        let forged: [UInt8]
        switch forgery {
        case "a bucket time a day ahead": forged = set(LimitFileLayout.Offset.updated, 1000 + 86_400)
        case "a NaN level": forged = set(LimitFileLayout.Offset.level, .nan)
        case "a negative rate": forged = set(LimitFileLayout.Offset.rate, -10)
        case "an infinite slowed-at": forged = set(LimitFileLayout.Offset.slowed, .infinity)
        case "a pause a day ahead": forged = set(record + 16, 1000 + 86_400)
        case "a NaN operating time": forged = set(record, .nan)
        default: forged = set(LimitFileLayout.Offset.level, 10 * 86_400)  // at 10/s
        }
        try write(forged)
        let warnings = WarningLog()
        let b = cell(clock, warnings: warnings)
        #expect(await b.withLock { $0.admit(method: "m", now: 1000) } == .send, "b's own state, not the forged one")
        #expect(await b.withLock { $0.admit(method: "crm.item.list", now: 1000) } == .send)
        #expect(warnings.all.count == 1, "\(warnings.all)")
        #expect(warnings.all.first?.contains("was unreadable") == true, "\(warnings.all)")
        // b wrote its own state over it: the next reader takes that, without a word.
        let quiet = WarningLog()
        #expect(await cell(clock, warnings: quiet).withLock { $0.level(at: 1000) } == 2)
        #expect(quiet.all.isEmpty)
    }

    @Test func theHorizonAdmitsWhatARealRunWrites() async throws {
        // The control: a slowed bucket with a queue, a grown margin, a pause up to the budget's window.
        let clock = FixedClock(1000)
        let a = cell(clock)
        for _ in 0..<40 { _ = await a.withLock { $0.admit(method: "m", now: 1000) } }
        await a.withLock { _ = $0.refused(method: "m", code: "QUERY_LIMIT_EXCEEDED", now: 1000) }
        await a.withLock { $0.observe(method: "x", time: ["operating": 500, "operating_reset_at": 1_700_001_600], now: 1000,
                                      unixNow: 1_700_001_000) }
        let warnings = WarningLog()
        let b = cell(clock, warnings: warnings)
        #expect(await b.withLock { $0.admit(method: "x", now: 1000) } == .askAgainAt(1600))
        #expect(await b.withLock { $0.margin.value } == 2)
        #expect(warnings.all.isEmpty, "\(warnings.all)")
    }
}

/// The file's name a hard link to another file (a backup made with `cp -al`, a mistake): the
/// file is someone else's too, and rewriting it in place would overwrite that other file.
extension SharedLimitFileTests {
    @Test func aHardLinkedFileIsNotWrittenThrough() async throws {
        let other = dir.appendingPathComponent("notes.txt").path
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: other))
        #expect(link(other, path) == 0)
        let warnings = WarningLog()
        let c = cell(FixedClock(0), warnings: warnings)
        #expect(await c.withLock { $0.admit(method: "m", now: 0) } == .send)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: other)), as: UTF8.self) == "precious\n")
        #expect(!c.isShared)
        #expect(warnings.all.count == 1 && warnings.all.first?.contains("the shared rate limit is off") == true, "\(warnings.all)")
    }
}

/// On a slow plan a few processes' waiting callers are a queue longer than the budget's window
/// of drain, yet every one of them is real: the queue's bound is a count of waiting callers, not
/// only a time. A reader used to refuse such a file as forged, write its own state over it (the
/// others' reservations gone), and the processes went on overwriting each other.
extension SharedLimitFileTests {
    @Test func aSlowPlansRealQueueIsTakenNotRefused() async throws {
        let slow = RateLimitPlan.custom(rate: 0.01, burst: 5)  // a request every 100 s
        let clock = FixedClock(1000)
        func slowCell(_ warnings: WarningLog) -> LimiterCell {
            LimiterCell(RateLimiter(plan: slow, now: clock.now()), sharedAt: path, key: "slow", clock: clock,
                        warn: { warnings.add($0) })
        }
        // Four processes' four batches in flight each: 16 reservations, 11 of them queued.
        let quiet = WarningLog()
        let writers = (0..<4).map { _ in slowCell(quiet) }
        for w in writers { for _ in 0..<4 { _ = await w.withLock { $0.admit(method: "batch", now: 1000) } } }
        let warnings = WarningLog()
        let reader = slowCell(warnings)
        guard case .sendAt(let t) = await reader.withLock({ $0.admit(method: "batch", now: 1000) }) else {
            Issue.record("the reader did not queue behind the others: \(warnings.all)")
            return
        }
        #expect(t > 1000 + 1_000, "behind the 16 others' slots")
        #expect(warnings.all.isEmpty && quiet.all.isEmpty, "\(warnings.all) \(quiet.all)")
    }
}

/// The file's lock held by another descriptor (to the kernel, another process): an event waits
/// for it a bounded time without holding a thread, then keeps this process's own limit, and a
/// cancelled wait ends at once (docs/shared-limit.md, "The protocol").
extension SharedLimitFileTests {
    /// An open-file-description write lock on the whole file, as another process would hold it.
    func holdLock() throws -> Int32 { try holdWriteLock(path) }

    @Test func aLockHeldElsewhereIsWaitedForABoundedTimeThenBypassed() async throws {
        let clock = FixedClock(0)
        let warnings = WarningLog()
        let a = cell(clock, warnings: warnings)
        _ = await a.withLock { $0.admit(method: "m", now: 0) }
        let holder = try holdLock()
        #expect(await a.withLock(patience: .milliseconds(200)) { $0.admit(method: "m", now: 0) } == .send)
        #expect(!a.isShared)
        #expect(warnings.all.count == 1 && warnings.all.first?.contains("is locked by another process") == true, "\(warnings.all)")
        // Later events try the lock once, without waiting (the patience would be an hour).
        for _ in 0..<5 { _ = await a.withLock(patience: .seconds(3600)) { $0.admit(method: "m", now: 0) } }
        #expect(warnings.all.count == 1, "one warning")
        let generation = field(try bytes(), LimitFileLayout.Offset.generation)
        close(holder)
        // Free again: the next event shares once more.
        _ = await a.withLock { $0.admit(method: "m", now: 0) }
        #expect(a.isShared)
        #expect(field(try bytes(), LimitFileLayout.Offset.generation) == generation + 1)
    }

    @Test func aCancelledWaitForTheLockEnds() async throws {
        let clock = FixedClock(0)
        let warnings = WarningLog()
        let a = cell(clock, warnings: warnings)
        _ = await a.withLock { $0.admit(method: "m", now: 0) }
        let holder = try holdLock()
        defer { close(holder) }
        // Past a minute's patience the test fails below instead of hanging.
        let waiting = Task { await a.withLock(patience: .seconds(60)) { $0.admit(method: "m", now: 0) } }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        _ = await waiting.value
        #expect(warnings.all.isEmpty, "cancelled before the patience ran out: \(warnings.all)")
        #expect(a.isShared, "a cancelled call does not give up on the file")
    }
}

/// Opens `path` (created 0600 when missing) and takes an open-file-description write lock on the
/// whole file, as another process would hold it; the descriptor is the caller's to close.
func holdWriteLock(_ path: String) throws -> Int32 {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    try #require(fd >= 0)
    var lk = flock()
    lk.l_type = Int16(F_WRLCK)
    lk.l_whence = Int16(SEEK_SET)
    try #require(fcntl(fd, SharedLimitFile.setLock, &lk) == 0)
    return fd
}
