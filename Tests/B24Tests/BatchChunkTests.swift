import B24
import B24Wire
@testable import B24Sandbox
import Testing

/// A batch of more than 50 commands is several requests (docs/call-pipeline.md): each chunk keeps
/// its own outcome and its own error, also with `halt`.
@Suite struct BatchChunkTests {
    static let delete = "imopenlines.crm.chat.user.delete"

    /// 120 distinct deletes: users 503 and 506 from the 60 bulk leads' chats (3 chunks).
    static let deletes: [BatchCommand] = (0..<120).map { i in
        BatchCommand(key: "d\(i)", method: delete,
                     params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": .int(Int64(1300 + i % 60)),
                              "USER_ID": i < 60 ? 503 : 506])
    }

    /// One chunk at a time, so the queued faults meet the chunks in order.
    func client(_ h: SandboxHarness, retry: RetryPolicy = .fast) throws -> B24Client {
        B24Client(portal: try PortalConfig.webhook(h.webhookURL), transport: h.transport, plan: .unlimited, retry: retry,
                  maxChunksInFlight: 1)
    }

    func codes(_ outcomes: [BatchOutcome]) -> [String] {
        outcomes.map { if case .failure(let e) = $0 { e.code } else { "ok" } }
    }

    @Test func everyFailedChunkKeepsItsOwnError() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        try await h.queueFaults([["method": "batch", "status": 403, "error": "ACCESS_DENIED"],
                                 ["method": "batch", "status": 400, "error": "INVALID_REQUEST"]])
        let run = try await client(h).batchRun(Self.deletes)
        let codes = codes(run.outcomes)
        #expect(codes[0..<50].allSatisfy { $0 == "ACCESS_DENIED" })
        #expect(codes[50..<100].allSatisfy { $0 == "INVALID_REQUEST" })
        #expect(codes[100..<120].allSatisfy { $0 == "ok" })
        #expect(run.wholeFailure == nil, "one chunk was answered")
        // Each failed command names its own method, not `batch`.
        if case .failure(let e) = run.outcomes[0] { #expect(e.method == Self.delete) }
        #expect(h.portal.members(ofChat: 2340)?.contains(506) == false, "the third chunk was applied")
        #expect(h.portal.members(ofChat: 2300)?.contains(503) == true)
    }

    @Test func onlyTheChunkThatMayHaveBeenAppliedIsUnknown() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        try await h.queueFaults([["method": "batch", "drop": "after"],
                                 ["method": "batch", "status": 403, "error": "ACCESS_DENIED"]])
        let run = try await client(h, retry: .never).batchRun(Self.deletes)
        for (i, o) in run.outcomes.enumerated() {
            guard case .failure(let e) = o else {
                #expect(i >= 100, "d\(i) should have failed")
                continue
            }
            #expect(e.outcomeUnknown == (i < 50), "d\(i): \(e.code)")
        }
        #expect(h.portal.members(ofChat: 2300)?.contains(503) == false, "the dropped chunk was applied")
        #expect(h.portal.members(ofChat: 2350)?.contains(503) == true, "the refused chunk was not")
    }

    @Test func haltKeepsTheChunksAlreadyAppliedAndSendsNoMore() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        // Chunk 1 answered and applied; chunk 2 refused as a whole; chunk 3 never sent.
        let transport = RefuseNthBatch(inner: h.transport, n: 2)
        let c = B24Client(portal: try PortalConfig.webhook(h.webhookURL), transport: transport, plan: .unlimited,
                          retry: .fast)
        let run = try await c.batchRun(Self.deletes, halt: true)
        let codes = codes(run.outcomes)
        for (i, o) in run.outcomes[0..<50].enumerated() {
            #expect(o == .success(RESTResponse(result: .int(Int64(2300 + i)), time: o.time)), "d\(i)")
        }
        #expect(codes[50..<100].allSatisfy { $0 == "ACCESS_DENIED" }, "\(codes[50..<100])")
        #expect(codes[100...].allSatisfy { $0 == "BATCH_HALTED" })
        for case .failure(let e) in run.outcomes[100...] { #expect(!e.outcomeUnknown, "not sent, so not unknown") }
        #expect(transport.batches.value == 2, "the third chunk is never sent")
        #expect(h.portal.members(ofChat: 2300) == [1, 506], "chunk 1 was applied")
        #expect(h.portal.members(ofChat: 2359) == [1, 503, 506])
        // `batch` raises only when no chunk was answered; here one was.
        #expect(run.wholeFailure == nil)
    }

    @Test func haltInsideTheSecondChunkKeepsTheFirstChunksResults() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        // The second chunk's first command fails (the first chunk already removed 506 from chat
        // 2300), so the portal halts there; the first chunk's 50 results are kept.
        var commands = Array(Self.deletes[60..<110])
        commands.append(BatchCommand(key: "again", method: Self.delete,
                                     params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1300, "USER_ID": 506]))
        commands += Self.deletes[0..<60]
        let run = try await client(h).batchRun(commands, halt: true)
        let outcomes = run.outcomes
        for (i, o) in outcomes[0..<50].enumerated() {
            #expect(o == .success(RESTResponse(result: .int(Int64(2300 + i)), time: o.time)), "k\(i)")
        }
        #expect(codes(outcomes)[50] == "WRONG_REQUEST")
        #expect(codes(outcomes)[51...].allSatisfy { $0 == "BATCH_HALTED" })
        #expect(h.portal.members(ofChat: 2300) == [1, 503])
        #expect(h.portal.members(ofChat: 2359) == [1, 503, 506], "lead 1359 is in the halted part")
    }

    @Test func aBatchNoChunkOfWhichWasAnsweredRaises() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let transport = RefuseNthBatch(inner: h.transport, n: 1)
        let c = B24Client(portal: try PortalConfig.webhook(h.webhookURL), transport: transport, plan: .unlimited,
                          retry: .fast)
        await #expect(throws: B24Error.self) { try await c.batch(Array(Self.deletes[0..<10])) }
    }
}

/// The real transport, except that the `n`-th batch request is answered ACCESS_DENIED.
final class RefuseNthBatch: Transport {
    let inner: any Transport
    let n: Int
    let batches = LockedBox(0)

    init(inner: any Transport, n: Int) {
        self.inner = inner
        self.n = n
    }

    func send(_ request: WireRequest, to endpoint: Endpoint, timeout: Duration) async throws(B24Error) -> WireResponse {
        guard request.path.hasSuffix("/batch.json") || request.path.hasSuffix("/batch") else {
            return try await inner.send(request, to: endpoint, timeout: timeout)
        }
        var count = 0
        batches.mutate { $0 += 1; count = $0 }
        if count == n {
            return WireResponse(status: 403, headers: [("Content-Type", "application/json")],
                                body: Array(#"{"error":"ACCESS_DENIED","error_description":"refused"}"#.utf8))
        }
        return try await inner.send(request, to: endpoint, timeout: timeout)
    }

    func shutdown() async {}
}
