import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// `b24lua snapshot` when the portal cannot give it everything (docs/snapshot.md, "When it
/// fails"): a 503 storm, an expired token that cannot be refreshed, a method the portal does not
/// have. The built binary against a sandbox served over loopback; each time the error names the
/// cause, FILE is not written (a file there before stays as it was), and what was read stays in
/// the checkpoint for the next run.
@Suite struct SnapshotFailureTests {
    typealias Place = SnapshotTests.Place

    static func checkpointAnswers(_ path: String) throws -> Int {
        let v = try JSONValue.parse(Array(try #require(FileManager.default.contents(atPath: path))))
        return v["results"]?.objectValue?.count ?? 0
    }

    /// The portal answers every request 503 `QUERY_LIMIT_EXCEEDED` for longer than the client
    /// retries. Before, the snapshot went over its reads four times more, each time through the
    /// client's whole retry policy: minutes of pressing a portal that says to wait, and a storm of
    /// a hundred answers outlasted, so that the test could not tell it from no storm.
    @Test func aStormOf503sStopsClearlyLeavesTheFileAsItWasAndTheNextRunResumes() async throws {
        let data = SandboxDataSet.generated(entities: 300)
        // Slow answers, so that the storm starts halfway.
        let live = try await LiveSandbox.start(fixture: data.fixture(), options: SandboxOptions(plan: .unlimited, latencyMs: 250))
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("portal.json")
        let checkpoint = out + ".checkpoint"
        // A whole snapshot from before: the failing one must leave it as it was.
        let before = Array(SandboxDataSet.default.fixture().serialized().utf8)
        #expect(FileManager.default.createFile(atPath: out, contents: Data(before)))
        let args = ["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out]
        let p = try SpawnedProcess(Binary.b24lua, args, environment: place.env)
        p.closeInput()
        await live.whenAnswered(6, andExists: checkpoint)
        let storm = (0..<100).map { _ in ["status": 503, "error": "QUERY_LIMIT_EXCEEDED"] as JSONValue }
        await live.queueFaults((["method": "batch", "faults": .array(storm)] as JSONValue).serialized())
        let failed = await p.wait(limit: 180)
        #expect(failed.status == 1, "\(failed.stderr)")
        // The retry notices come first; the last line says why it stopped.
        let last = failed.stderr.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("b24lua snapshot: the portal kept refusing for its rate limit (QUERY_LIMIT_EXCEEDED, HTTP 503)"),
                "\(failed.stderr)")
        #expect(last.contains("run the same command again"), "\(failed.stderr)")
        #expect(FileManager.default.contents(atPath: out).map(Array.init) == before, "FILE is as it was")
        #expect(try Self.checkpointAnswers(checkpoint) > 0, "what was read before the storm is kept")
        // One pass of the client's retries for each request in flight (a round: four), not more.
        let refused = live.stat("by_status", "503")
        #expect(refused >= 1 && refused <= Int64(MethodCatalog.batchesInFlight * RetryPolicy.default.maxAttempts),
                "\(refused) answers of 503")

        await live.queueFaults(#"{"clear": true}"#)
        let resumed = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from"), "\(resumed.stderr)")
        #expect(ReadableView(try SnapshotTests.load(out), taker: 1) == ReadableView(data, taker: 1))
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
    }

    /// OAuth: the access token has expired (`--token-ttl 0`) and the refresh is refused, for a
    /// refresh token already used (`invalid_grant`) or a wrong client secret (`invalid_client`).
    /// Before, the second said only "user.current was refused: … Invalid client".
    @Test func anExpiredTokenThatCannotBeRefreshedIsNamedAndNoSecretIsPrinted() async throws {
        let live = try await LiveSandbox.start(options: SandboxOptions(plan: .unlimited, tokenTTL: 0))
        defer { Task { await live.stop() } }
        let base = live.server.baseURL
        for (refresh, secret, cause) in [("used-refresh-token-4f1c", "sandbox-app-secret", "invalid_grant"),
                                         ("sandbox-refresh-token", "wrong-app-secret-77ab", "invalid_client")] {
            let place = try Place.make()
            var env = place.env
            env["B24_PORTAL"] = base
            env["B24_ACCESS_TOKEN"] = "sandbox-access-token"
            env["B24_REFRESH_TOKEN"] = refresh
            env["B24_CLIENT_ID"] = "local.sandbox.app"
            env["B24_CLIENT_SECRET"] = secret
            env["B24_OAUTH_URL"] = base + "/oauth/token/"
            let out = place.path("s.json")
            let r = try await Binary.b24luaAsync(["snapshot", "--plan", "unlimited", "-o", out], environment: env)
            #expect(r.status == 1, "\(cause): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("the access token has expired and could not be refreshed"), "\(cause): \(r.stderr)")
            #expect(r.stderr.contains(cause), "\(r.stderr)")
            for s in ["sandbox-access-token", refresh, secret] {
                #expect(!(r.stdout + r.stderr).contains(s), "\(cause): a secret printed")
            }
            #expect(!FileManager.default.fileExists(atPath: out))
            // Refused at the first request: nothing was read, so nothing is said to be kept.
            #expect(!FileManager.default.fileExists(atPath: out + ".checkpoint"))
            #expect(!r.stderr.contains("what was read is kept"), "\(r.stderr)")
        }
    }

    /// A portal without `imopenlines.config.list.get` (the fixture's `missing_methods`): the
    /// error names the method; after the portal has it, the next run resumes.
    @Test func aMethodThePortalDoesNotHaveIsNamedAndTheRunAfterResumes() async throws {
        let data = SandboxDataSet.generated(entities: 100)
        var without = data
        without.missingMethods = ["imopenlines.config.list.get"]
        let live = try await LiveSandbox.start(fixture: without.fixture())
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("s.json")
        let args = ["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out]
        let first = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("no method imopenlines.config.list.get (ERROR_METHOD_NOT_FOUND)"), "\(first.stderr)")
        #expect(first.stderr.contains("run the same command again"), "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try Self.checkpointAnswers(out + ".checkpoint") > 0)

        await live.reset(fixture: data.fixture().serialized())
        let second = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming from"), "\(second.stderr)")
        #expect(ReadableView(try SnapshotTests.load(out), taker: 1) == ReadableView(data, taker: 1))
    }
}
