import B24
import Foundation
import Testing

/// OAuth tokens survive rotation (docs/shared-limit.md, "Tokens"): processes that meet
/// `expired_token` together refresh once between them, and a later run started from the same
/// (long rotated) environment pair still gets in.
@Suite(.serialized) struct TokenRotationTests {
    let dir: URL
    init() throws { dir = try Binary.temporaryDirectory() }

    func environment(_ base: String) -> [String: String] {
        ["B24_PORTAL": base, "B24_ACCESS_TOKEN": "sandbox-access-token", "B24_REFRESH_TOKEN": "sandbox-refresh-token",
         "B24_CLIENT_ID": "local.sandbox.app", "B24_CLIENT_SECRET": "sandbox-app-secret",
         "B24_OAUTH_URL": base + "/oauth/token/", "XDG_STATE_HOME": dir.path, "XDG_RUNTIME_DIR": dir.path,
         "XDG_CONFIG_HOME": dir.path]
    }

    @Test func parallelProcessesShareEveryRefresh() async throws {
        let serve = try SpawnedProcess(Binary.b24lua, ["sandbox", "serve", "--port", "0", "--plan", "unlimited", "--token-ttl", "2"])
        defer { serve.send(SIGKILL) }  // a test that throws leaves no server behind
        #expect(await serve.waitForOutput("serving http"))
        let line = serve.stdoutSoFar.split(separator: "\n").first { $0.contains("serving http") } ?? ""
        let base = String(line.split(separator: " ").last ?? "").components(separatedBy: "/rest/").first ?? ""
        let env = environment(base)
        // Each runs for about 5 s, so the 2 s tokens expire under all three at least twice.
        let chunk = "local t0 = os.time() local n = 0 while os.time() - t0 < 5 do b24.call('user.current') n = n + 1 end print(n > 0)"
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<3 { group.addTask { try await Binary.b24luaAsync(["-e", chunk], environment: env) } }
            var all: [ProcessResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        for r in results {
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == "true\n")
            #expect(!r.stderr.contains("sandbox-refresh-token") && !r.stdout.contains("sandbox-app-secret"))
        }
        try await Task.sleep(for: .seconds(2.5))  // the last access token has expired too
        let later = try await Binary.b24luaAsync(["-e", "print(b24.call('user.current').ID)"], environment: env)
        #expect(later.status == 0, "the environment's pair was rotated long ago; the cache has the current one: \(later.stderr)")
        #expect(later.stdout == "1\n")
        let cached = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("b24lua").path)
            .filter { $0.hasPrefix("tokens-") && $0.hasSuffix(".json") }
        #expect(cached.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("b24lua/\(cached[0])").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        serve.send(SIGTERM)
        _ = await serve.wait(limit: 10)
    }
}
