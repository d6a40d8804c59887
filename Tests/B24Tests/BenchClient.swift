// Not a timed test: the client half of `scripts/bench`. Runs only when the script sets
// B24LUA_BENCH_URL (a running `b24lua sandbox serve`), prints sequential calls per second.
import B24
import Testing
#if canImport(Glibc)
import Glibc
#endif

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

@Suite struct BenchClient {
    @Test(.enabled(if: environment("B24LUA_BENCH_URL") != nil))
    func sequentialCallsPerSecond() async throws {
        let url = environment("B24LUA_BENCH_URL")!
        let n = environment("B24LUA_BENCH_N").flatMap(Int.init) ?? 500
        let client = B24Client(portal: try PortalConfig.webhook(url), plan: .unlimited, retry: .never)
        for _ in 0..<10 { _ = try await client.call("user.current", [:]) }  // warm the connection
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<n { _ = try await client.call("user.current", [:]) }
        let d = clock.now - started
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        print("bench client: \(n) sequential calls in \(String(format: "%.3f", seconds)) s = "
            + "\(String(format: "%.0f", Double(n) / seconds)) calls/s (one reused connection)")
        #expect(client.statistics.requests == n + 10)
        await client.shutdown()
    }
}
