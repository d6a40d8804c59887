import B24
import B24Wire
import B24Run
import B24Sandbox
import Foundation
import Testing

/// The snapshot's reads against the in-process sandbox: what it copies is what REST can read
/// (docs/snapshot.md); the end-to-end tests do the same over HTTP with the binary.
@Suite struct SnapshotEngineTests {
    static func snapshot(_ data: SandboxDataSet, _ request: SnapshotRequest = SnapshotRequest(),
                         checkpoint: String? = nil) async throws -> SandboxDataSet {
        let portal = SandboxPortal(dataSet: data, options: .unlimited)
        let hook = portal.defaultWebhook
        let client = B24Client(portal: try PortalConfig.webhook("https://\(portal.portalHost)/rest/\(hook.user)/\(hook.code)/"),
                               transport: InProcessTransport(handler: portal), plan: .unlimited)
        let result: Result<SandboxDataSet, SnapshotError>
        do throws(SnapshotError) {
            result = .success(try await Snapshot(client: client, portal: portal.portalHost, request: request,
                                                 checkpointPath: checkpoint).take())
        } catch { result = .failure(error) }
        await client.shutdown()
        return try result.get()
    }

    @Test func theDefaultPortalIsCopiedInEveryFieldRESTReads() async throws {
        let copy = try await Self.snapshot(.default)
        let want = ReadableView(.default, taker: 1)
        let got = ReadableView(copy, taker: 1)
        #expect(got == want, "\(got.firstDifference(from: want) ?? "")")
        // The bot is in chats but not in user.get: its record comes from the messenger.
        #expect(copy.users.first { $0.id == 506 }?.bot == true)
        #expect(copy.snapshot?["taken_by"]?["id"]?.intValue == 1)
        #expect(copy.snapshot?["taken_by"]?["admin"]?.boolValue == true)
        #expect((copy.snapshot?["approximated"]?.arrayValue ?? []).contains { $0.stringValue?.hasPrefix("access:") == true })
        // A snapshot is a data set: it loads as one.
        let back = try SandboxDataSet(fixture: try JSONValue.parse(copy.fixture().serialized()))
        #expect(back == copy)
    }

    @Test func aGeneratedPortalIsCopiedWhole() async throws {
        let data = SandboxDataSet.generated(entities: 200)
        let copy = try await Self.snapshot(data)
        let want = ReadableView(data, taker: 1)
        #expect(ReadableView(copy, taker: 1) == want, "\(ReadableView(copy, taker: 1).firstDifference(from: want) ?? "")")
    }

    /// The order of an entity's `access` (docs/snapshot.md, "What it cannot know"): the
    /// snapshot's user, its responsible user, then the people in its chats by id, bots left out,
    /// each once. Written against a plain recomputation, so that making the assembly faster
    /// cannot change a byte of it.
    @Test func eachEntitysAccessIsTheTakerTheResponsibleThenItsChatMembersByID() async throws {
        let data = SandboxDataSet.generated(entities: 200)
        let copy = try await Self.snapshot(data)
        let bots = Set(data.users.filter(\.bot).map(\.id))
        #expect(!bots.isEmpty && copy.entities.count > 100)
        for e in copy.entities {
            var want: [Int64] = [1]
            if let r = e.responsible, !want.contains(r) { want.append(r) }
            let members = Set(data.chats.filter { $0.entity == e.ref }.flatMap(\.members)).sorted()
            for m in members where !bots.contains(m) && !want.contains(m) { want.append(m) }
            #expect(e.access == want, "\(e.ref)")
        }
    }

    @Test func onlyTheChosenTypesAndTheFilteredEntities() async throws {
        let copy = try await Self.snapshot(.default, SnapshotRequest(types: [.lead], filter: ["<id": 1300]))
        #expect(Set(copy.entities.map(\.ref)) == [EntityRef(.lead, 1205)])
        #expect(copy.chats.map(\.id) == [1763])
        #expect(copy.snapshot?["entities"] == ["lead"])
    }

    @Test func anonymizedNamesArePseudonymsAndIdsStay() async throws {
        let a = try await Self.snapshot(.default, SnapshotRequest(anonymize: true))
        let b = try await Self.snapshot(.default, SnapshotRequest(anonymize: true))
        let text = a.fixture().serialized()
        for secret in ["Anna Petrova", "Portal Admin", "Website inquiry", "Ivan Sidorov", "Acme LLC", "Support Bot"] {
            #expect(!text.contains(secret), "\(secret) left in an anonymized snapshot")
        }
        #expect(a.users.first { $0.id == 503 }?.name == "User 503")
        #expect(a.users.first { $0.id == 506 }?.name == "Bot 506")
        #expect(a.entities.first { $0.ref == EntityRef(.lead, 1205) }?.title == "Lead 1205")
        #expect(a.users == b.users && a.entities == b.entities, "pseudonyms are stable")
        #expect(a.chats == (try await Self.snapshot(.default)).chats, "membership and ids are kept")
    }

    @Test func aCheckpointIsResumedAndOnlyTheMissingAnswersAreRead() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("s.json.checkpoint").path
        let full = try await Self.snapshot(.default, checkpoint: checkpoint)
        // Keep only the first phases' answers, as a run cut off there would have.
        let saved = try JSONValue.parse(Array(FileManager.default.contents(atPath: checkpoint)!))
        guard case .object(var root) = saved, case .object(let results)? = root["results"] else {
            Issue.record("no checkpoint"); return
        }
        var kept = JSONObject()
        for (k, v) in results where !k.hasPrefix("members:") && !k.hasPrefix("ims:") { kept[k] = v }
        root["results"] = .object(kept)
        try TokenFile.writeAtomically(JSONValue.object(root).serializedBytes(), to: checkpoint)
        let portal = SandboxPortal(dataSet: .default, options: .unlimited)
        let client = B24Client(portal: try PortalConfig.webhook("https://sandbox.example/rest/1/\(SandboxDataSet.defaultWebhookCode)/"),
                               transport: InProcessTransport(handler: portal), plan: .unlimited)
        let resumed = try await Snapshot(client: client, portal: "sandbox.example", request: SnapshotRequest(),
                                         checkpointPath: checkpoint).take()
        await client.shutdown()
        #expect(ReadableView(resumed, taker: 1) == ReadableView(full, taker: 1))
        // Only the 65 member lists (two batch requests) and the messenger's user records (one) were asked again.
        #expect(portal.stateJSON()["stats"]?["requests"]?.intValue == 3)
    }
}
