import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// `b24lua snapshot`, the rehearsal on it and `b24lua diff`, as an administrator runs them: the
/// built binary against a sandbox served over loopback HTTP that plays the real portal
/// (docs/snapshot.md). The 2,000-entity copy runs at 20 requests/s (burst 50) here, to keep the
/// suite short; `scripts/bench snapshot` measures it on the standard plan.
@Suite struct SnapshotTests {
    struct Place {
        let dir: URL
        var env: [String: String] {
            ["HOME": dir.path, "XDG_CONFIG_HOME": dir.path, "XDG_RUNTIME_DIR": dir.path, "XDG_STATE_HOME": dir.path]
        }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        static func make() throws -> Place { Place(dir: try Binary.temporaryDirectory()) }
    }

    static func load(_ path: String) throws -> SandboxDataSet {
        try SandboxDataSet(fixture: try JSONValue.parse(Array(try #require(FileManager.default.contents(atPath: path)))))
    }

    static func served(_ live: LiveSandbox) throws -> SandboxDataSet { try SandboxDataSet(fixture: live.dataState) }

    @Test func aSnapshotOverHTTPEqualsTheServedStateInEveryFieldRESTReads() async throws {
        let data = SandboxDataSet.generated(entities: 2000)
        let servedView = ReadableView(data, taker: 1)
        #expect(servedView.entities.count >= 2000)
        #expect(servedView.memberships >= 5000)
        let live = try await LiveSandbox.start(fixture: data.fixture(), options: SandboxOptions(plan: .standard, rate: 20, burst: 50))
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("portal.json")
        let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "20/50", "-o", out],
                                             environment: place.env, timeout: 240)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2000 entities"), "\(r.stdout)")
        let copy = try Self.load(out)
        let got = ReadableView(copy, taker: 1)
        #expect(got == servedView, "\(got.firstDifference(from: servedView) ?? "")")
        #expect(live.stat("by_status", "503") == 0)
        // Reads only: the portal is as it was.
        #expect(try Self.served(live) == data)
        #expect(!FileManager.default.fileExists(atPath: out + ".checkpoint"))
        #expect(copy.snapshot?["taken_by"]?["id"]?.intValue == 1)
    }

    /// Multi-step: the second step reads what the first one changed.
    static let script = """
        local changed = 0
        for item in b24.list("crm.item.list", {entityTypeId = 1}) do
          for _, c in ipairs(b24.chat_get{entity_type = "lead", entity = item.id, active_only = false}) do
            local members = b24.call("im.chat.user.list", {CHAT_ID = c.chat})
            for _, m in ipairs(members) do
              if m == 90 then b24.chat_user_delete{entity_type = "lead", entity = item.id, chat = c.chat, user = 90} end
            end
            if #b24.call("im.chat.user.list", {CHAT_ID = c.chat}) < 2 then
              b24.chat_user_add{entity_type = "lead", entity = item.id, chat = c.chat, user = 91}
              changed = changed + 1
            end
          end
        end
        print("added", changed)
        """

    @Test func aRehearsalOnTheSnapshotLeavesWhatTheRealRunLeaves() async throws {
        let data = SandboxDataSet.generated(entities: 120)
        let live = try await LiveSandbox.start(fixture: data.fixture())
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let snap = place.path("before.json"), after = place.path("after.json"), script = place.path("tidy.lua")
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        let taken = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", snap],
                                                 environment: place.env)
        #expect(taken.status == 0, "\(taken.stderr)")

        let rehearsal = try await Binary.b24luaAsync(["--sandbox=\(snap)", "--plan", "unlimited", "--save-state", after, script],
                                                     environment: place.env)
        #expect(rehearsal.status == 0, "\(rehearsal.stderr)")
        #expect(live.stat("by_method", "imopenlines.crm.chat.user.delete") == 0, "the rehearsal stayed in-process")
        let planned = try await Binary.b24luaAsync(["diff", snap, after], environment: place.env)
        #expect(planned.status == 1, "the rehearsal changed chats: \(planned.stderr)")
        #expect(planned.stdout.contains("− 90 Support Bot"), "\(planned.stdout)")

        let real = try await Binary.b24luaAsync(["--webhook", live.webhookURL, "--plan", "unlimited", script],
                                                environment: place.env)
        #expect(real.status == 0, "\(real.stderr)")
        #expect(real.stdout == rehearsal.stdout)
        let rehearsed = ReadableView(try Self.load(after), taker: 1).chats
        #expect(rehearsed == ReadableView(try Self.served(live), taker: 1).chats)

        // diff of the rehearsal's state against the portal after its run: nothing.
        let same = try await Binary.b24luaAsync(["diff", after, "--webhook", live.webhookURL, "--plan", "unlimited"],
                                                environment: place.env)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.isEmpty)
        let json = try await Binary.b24luaAsync(["diff", "--json", after, "--webhook", live.webhookURL, "--plan", "unlimited"],
                                                environment: place.env)
        #expect(json.status == 0)
        #expect(try JSONValue.parse(json.stdout)["equal"] == true)
    }

    @Test func aSnapshotCutOffByCtrlCResumesAndEndsIdentical() async throws {
        let data = SandboxDataSet.generated(entities: 300)
        // Slow answers, so that Ctrl-C finds it halfway.
        let live = try await LiveSandbox.start(fixture: data.fixture(), options: SandboxOptions(plan: .unlimited, latencyMs: 250))
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("cut.json")
        let args = ["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out]
        let p = try SpawnedProcess(Binary.b24lua, args, environment: place.env)
        p.closeInput()
        // Halfway: a whole snapshot of this portal takes 29 requests.
        await live.whenAnswered(12, andExists: out + ".checkpoint") { p.send(SIGINT) }
        let cut = await p.wait()
        #expect(cut.status == 130, "\(cut.stderr)")
        #expect(cut.stderr.contains("run the same command again"), "\(cut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "never a half-done data set")
        #expect(FileManager.default.fileExists(atPath: out + ".checkpoint"))
        // Requests the cut run had in flight still reach the portal, a latency later.
        var before = -1
        while before != live.requests {
            before = live.requests
            try await Task.sleep(for: .milliseconds(600))
        }

        let resumed = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from"), "\(resumed.stderr)")
        let want = ReadableView(data, taker: 1)
        #expect(ReadableView(try Self.load(out), taker: 1) == want)
        #expect(!FileManager.default.fileExists(atPath: out + ".checkpoint"))
        // The resumed run did not read everything again: a whole snapshot needs more requests.
        let resumedRequests = live.requests - before
        let whole = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited",
                                                  "-o", place.path("whole.json")], environment: place.env)
        #expect(whole.status == 0)
        let wholeRequests = live.requests - before - resumedRequests
        #expect(resumedRequests < wholeRequests, "resumed \(resumedRequests), whole \(wholeRequests)")
    }

    @Test func aMissingScopeStopsWithItsNameAndTheRunAfterTheFixResumes() async throws {
        let data = SandboxDataSet.generated(entities: 100)
        var noIM = data
        noIM.webhooks[0].scopes = ["imopenlines", "crm", "user"]
        let live = try await LiveSandbox.start(fixture: noIM.fixture())
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("s.json")
        let args = ["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out]
        let first = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(first.status == 1)
        #expect(first.stderr.contains("lacks the scope 'im'"), "\(first.stderr)")
        #expect(first.stderr.contains(".checkpoint"), "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let entitiesRead = live.calls("batch")

        await live.reset(fixture: data.fixture().serialized())
        let second = try await Binary.b24luaAsync(args, environment: place.env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(ReadableView(try Self.load(out), taker: 1) == ReadableView(data, taker: 1))
        #expect(entitiesRead > 0)
    }

    @Test func wrongCredentialsAreAClearError() async throws {
        let live = try await LiveSandbox.start()
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("s.json")
        let r = try await Binary.b24luaAsync(["snapshot", "--webhook", live.webhook(user: 1, code: "wrongcode"), "-o", out],
                                             environment: place.env)
        #expect(r.status == 1)
        #expect(r.stderr.contains("refused the credentials (INVALID_CREDENTIALS)"), "\(r.stderr)")
        #expect(!r.stderr.contains("wrongcode"), "the webhook code is never printed")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func underAFaultRateOfOneInFiveTheSnapshotEndsIdenticalOrFailsClearly() async throws {
        let data = SandboxDataSet.generated(entities: 300)
        let live = try await LiveSandbox.start(fixture: data.fixture(), options: SandboxOptions(plan: .unlimited, faultRate: 0.2))
        defer { Task { await live.stop() } }
        let place = try Place.make()
        let out = place.path("f.json")
        let args = ["snapshot", "--webhook", live.webhookURL, "--plan", "unlimited", "-o", out]
        var finished = false
        for _ in 0..<5 where !finished {
            let r = try await Binary.b24luaAsync(args, environment: place.env)
            if r.status == 0 {
                finished = true
            } else {
                #expect(r.status == 1, "\(r.stderr)")
                #expect(r.stderr.hasPrefix("b24lua snapshot: "), "\(r.stderr)")
                #expect(r.stderr.contains("run the same command again"), "\(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out), "a partial file never passes for a whole one")
            }
        }
        #expect(finished)
        if finished { #expect(ReadableView(try Self.load(out), taker: 1) == ReadableView(data, taker: 1)) }
    }

    @Test func saveStateWritesTheStateEvenWhenTheScriptFails() async throws {
        let place = try Place.make()
        let after = place.path("after.json")
        let r = try await Binary.b24luaAsync(["--sandbox", "--save-state", after, "-e",
                                              "b24.chat_user_delete{entity_type='lead', entity=1205, user=503}; error('boom')"],
                                             environment: place.env)
        #expect(r.status == 1)
        let saved = try Self.load(after)
        #expect(saved.chats.first { $0.id == 1763 }?.members == [1, 506])
        let diff = try await Binary.b24luaAsync(["diff", "--json", after, "--sandbox"], environment: place.env)
        #expect(diff.status == 1, "\(diff.stderr)")
        // The live portal stands where its option stands: first here, second above.
        let forward = try await Binary.b24luaAsync(["diff", "--sandbox", after], environment: place.env)
        #expect(forward.stdout.hasPrefix("lead 1205 chat 1763 (Live Chat): − 503 Anna Petrova\n"), "\(forward.stdout)")
        let backward = try await Binary.b24luaAsync(["diff", after, "--sandbox"], environment: place.env)
        #expect(backward.stdout.hasPrefix("lead 1205 chat 1763 (Live Chat): + 503 Anna Petrova\n"), "\(backward.stdout)")
        let notSandbox = try await Binary.b24luaAsync(["--webhook", "https://x.example/rest/1/c/", "--save-state", after, "-e", ""],
                                                      environment: place.env)
        #expect(notSandbox.status == 2)
        #expect(notSandbox.stderr.contains("--save-state"), "\(notSandbox.stderr)")
    }

    @Test func diffSaysWhatChangedAndExitsOneOrZero() async throws {
        let place = try Place.make()
        let a = place.path("a.json"), b = place.path("b.json")
        var changed = SandboxDataSet.default
        let i = changed.chats.firstIndex { $0.id == 1763 }!
        changed.chats[i].members = [1, 506, 504]
        try SandboxDataSet.default.fixture().serialized().write(toFile: a, atomically: true, encoding: .utf8)
        try changed.fixture().serialized().write(toFile: b, atomically: true, encoding: .utf8)
        let r = try await Binary.b24luaAsync(["diff", a, b], environment: place.env)
        #expect(r.status == 1)
        #expect(r.stdout == "lead 1205 chat 1763 (Live Chat): − 503 Anna Petrova, + 504 Boris Ivanov\n"
                + "1 chat differ: 1 member removed, 1 added\n")
        let same = try await Binary.b24luaAsync(["diff", a, a], environment: place.env)
        #expect(same.status == 0 && same.stdout.isEmpty)
        let bad = try await Binary.b24luaAsync(["diff", a, place.path("missing.json")], environment: place.env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("missing.json"))
    }
}
