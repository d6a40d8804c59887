@testable import B24
import Glibc
import Foundation
import Testing

/// The token cache (docs/shared-limit.md, "Tokens"): it is taken only when it descends from the
/// pair given, and a refresh that finds a newer pair there takes it instead of spending the old
/// refresh token again.
@Suite struct TokenFileTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-tokens-\(UUID().uuidString)").path
    }

    func file(seed: String) -> TokenFile {
        TokenFile(directory: dir, origin: "https://a.bitrix24.ru", clientId: "local.app", seed: seed)
    }

    @Test func aCacheIsTakenOnlyFromTheSamePairGiven() throws {
        try file(seed: "R0").store(OAuthTokens(accessToken: "A2", refreshToken: "R2"))
        #expect(file(seed: "R0").load() == OAuthTokens(accessToken: "A2", refreshToken: "R2"))
        #expect(file(seed: "R9").load() == nil, "the user replaced the pair: a new chain starts")
        let attributes = try FileManager.default.attributesOfItem(atPath: file(seed: "R0").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aGarbledCacheIsIgnored() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("{\"v\":1,\"seed\":\"R0\"".utf8).write(to: URL(fileURLWithPath: file(seed: "R0").path))
        #expect(file(seed: "R0").load() == nil)
    }

    @Test func aNewerPairIsTakenInsteadOfRefreshingAgain() async throws {
        let f = file(seed: "R0")
        try f.store(OAuthTokens(accessToken: "A2", refreshToken: "R2"))  // another process refreshed
        let calls = Counter()
        let taken = await f.coordinatedRefresh(stale: OAuthTokens(accessToken: "A1", refreshToken: "R1")) {
            calls.add()
            return .success(OAuthTokens(accessToken: "A3", refreshToken: "R3"))
        }
        #expect(try taken.get() == OAuthTokens(accessToken: "A2", refreshToken: "R2"))
        #expect(calls.value == 0)

        // The cached pair is the one that failed: this process refreshes, and stores the result.
        let refreshed = await f.coordinatedRefresh(stale: OAuthTokens(accessToken: "A2", refreshToken: "R2")) {
            calls.add()
            return .success(OAuthTokens(accessToken: "A3", refreshToken: "R3"))
        }
        #expect(try refreshed.get() == OAuthTokens(accessToken: "A3", refreshToken: "R3"))
        #expect(calls.value == 1)
        #expect(f.load() == OAuthTokens(accessToken: "A3", refreshToken: "R3"))
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        @discardableResult func add() -> Int { lock.withLock { n += 1; return n } }
        var value: Int { lock.withLock { n } }
    }
}

/// The refresh lock held by another process that was stopped: a refresh waits a bounded time,
/// holding no thread, then goes alone; a cancelled wait ends at once (docs/shared-limit.md, "Tokens").
extension TokenFileTests {
    func holdRefreshLock(_ f: TokenFile) throws -> Int32 {
        try f.store(OAuthTokens(accessToken: "A1", refreshToken: "R1"))
        return try holdWriteLock(String(f.path.dropLast(".json".count)) + ".lock")
    }

    @Test func aRefreshWaitsForAStoppedHolderABoundedTime() async throws {
        let f = file(seed: "R0")
        let holder = try holdRefreshLock(f)
        defer { close(holder) }
        let calls = Counter()
        let r = await f.coordinatedRefresh(stale: OAuthTokens(accessToken: "A1", refreshToken: "R1"),
                                           patience: .milliseconds(200)) {
            calls.add()
            return .success(OAuthTokens(accessToken: "A2", refreshToken: "R2"))
        }
        #expect(try r.get() == OAuthTokens(accessToken: "A2", refreshToken: "R2"))
        #expect(calls.value == 1, "alone, after the wait")
    }

    @Test func aCancelledWaitForTheRefreshLockEnds() async throws {
        let f = file(seed: "R0")
        let holder = try holdRefreshLock(f)
        defer { close(holder) }
        // Were cancelling not to end the wait, the minute's patience would, and the refresh would run.
        let calls = Counter()
        let waiting = Task {
            await f.coordinatedRefresh(stale: OAuthTokens(accessToken: "A1", refreshToken: "R1"), patience: .seconds(60)) {
                calls.add()
                return .success(OAuthTokens(accessToken: "A2", refreshToken: "R2"))
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        let r = await waiting.value
        #expect(calls.value == 0, "a cancelled call spends no refresh token")
        guard case .failure(let e) = r else { Issue.record("expected the cancelled call to fail"); return }
        #expect(e.code == "NETWORK_ERROR" && !e.retryable)
    }
}
