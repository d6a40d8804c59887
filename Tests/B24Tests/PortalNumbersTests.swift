import Foundation
import Testing
@testable import B24
@testable import B24Wire

/// Numbers from the portal (the `time` block) and waits computed from them never trap: they
/// are clamped before any conversion to an integer or a duration.
@Suite struct PortalNumbersTests {
    static let hostile: [Double] = [1e30, -1e30, .infinity, -.infinity, .nan, 9.3e18, -9.3e18, 1e308, 0, -1]

    @Test func hostileTimeBlocksAreClamped() {
        for reset in Self.hostile + [Double.greatestFiniteMagnitude] {
            for operating in Self.hostile {
                var limiter = RateLimiter(plan: .standard, now: 100)
                let time: JSONValue = ["operating_reset_at": .double(reset),
                                       "operating": .double(operating)]
                limiter.accepted(method: "user.get", time: time, now: 100, unixNow: 1_700_000_000)
                // Whatever the portal said, the method waits at most the budget's window.
                switch limiter.admit(method: "user.get", now: 100) {
                case .send, .sendAt: break
                case .askAgainAt(let t): #expect(t.isFinite && t <= 100 + RateLimiter.budgetWindow, "\(reset) \(operating)")
                }
                let until = limiter.refused(method: "user.get", code: "OPERATION_TIME_LIMIT", now: 100) ?? 0
                #expect(until.isFinite && until <= 100 + RateLimiter.budgetWindow, "\(reset) \(operating): \(until)")
                _ = limiter.budget.operating(of: "user.get")
            }
        }
    }

    @Test func aResetFarAheadPausesNoLongerThanTheWindow() {
        var limiter = RateLimiter(plan: .standard, now: 0)
        limiter.accepted(method: "m", time: ["operating": 10_000, "operating_reset_at": 1e30], now: 0, unixNow: 1_700_000_000)
        #expect(limiter.admit(method: "m", now: 0) == .askAgainAt(RateLimiter.budgetWindow))
    }

    @Test func textNumbersTooBigForADoubleAreRefusedOrIgnored() throws {
        // The reader refuses 1e400 (the whole answer is then BAD_RESPONSE); a block that holds
        // an infinity anyway takes no reset time from it.
        #expect(throws: (any Error).self) { try JSONValue.parse(#"{"operating": 1e400}"#) }
        var limiter = RateLimiter(plan: .standard, now: 0)
        limiter.accepted(method: "m", time: ["operating": .double(.infinity), "operating_reset_at": .double(.infinity)],
                         now: 0, unixNow: 0)
        #expect(limiter.admit(method: "m", now: 0) == .send)
    }

    @Test func sleepsAreClampedAndNeverTrap() {
        #expect(SystemClock.nanoseconds(1e30) == Int64(SystemClock.longestWait * 1e9))
        #expect(SystemClock.nanoseconds(.infinity) == Int64(SystemClock.longestWait * 1e9))
        #expect(SystemClock.nanoseconds(.nan) == 0)
        #expect(SystemClock.nanoseconds(-1e30) == 0)
        #expect(SystemClock.nanoseconds(1.5) == 1_500_000_000)
    }

    @Test func durationsSaturate() {
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
        #expect(Duration.seconds(65).nanoseconds == 65_000_000_000)
    }

    @Test func logFiguresNeverTrap() {
        for x in Self.hostile { _ = B24Client.clampedInt(x) }
        #expect(B24Client.clampedInt(.nan) == 0)
        #expect(B24Client.clampedInt(1e30) == 1_000_000_000_000_000)
        #expect(B24Client.clampedInt(2.6) == 3)
    }

    /// The whole client against a portal answering a hostile `time` block: the next call of the
    /// method waits (clamped), other methods go on, and nothing traps.
    @Test func theClientSurvivesAHostileTimeBlock() async throws {
        let portal = HostileTimePortal()
        let clock = StoppedClock()
        let client = B24Client(portal: try PortalConfig.webhook("https://x.bitrix24.ru/rest/1/abc123/"),
                               transport: InProcessTransport(handler: portal), plan: .unlimited, retry: .never, clock: clock)
        _ = try await client.call("user.get")
        _ = try await client.call("user.current")  // another method is not paused
        #expect(clock.longestSleep <= RateLimiter.budgetWindow)
        _ = try await client.call("user.get")      // paused, then goes: the stopped clock jumps to the deadline
        #expect(clock.longestSleep > 0 && clock.longestSleep <= RateLimiter.budgetWindow)
    }
}

/// Answers every call with a `time` block no portal should send.
struct HostileTimePortal: WireHandler {
    func handle(_ request: WireRequest) async -> WireResponse {
        WireResponse(status: 200, body: Array(#"{"result":1,"time":{"operating":1e30,"operating_reset_at":1e30,"start":-1e300}}"#.utf8))
    }
}

/// A clock that only moves when someone sleeps: a sleep jumps to its deadline.
final class StoppedClock: B24Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var t = 0.0
    private(set) var longestSleep = 0.0

    func now() -> Double { lock.withLock { t } }
    func unixNow() -> Double { lock.withLock { 1_700_000_000 + t } }
    func sleep(until deadline: Double) async throws {
        lock.withLock {
            longestSleep = max(longestSleep, deadline - t)
            t = max(t, deadline)
        }
    }
}
