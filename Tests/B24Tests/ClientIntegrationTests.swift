// The client against a running sandbox portal: error mapping, retries, refresh, batch.
import B24
import B24Wire
import B24Sandbox
import Testing

let deleteMethod = "imopenlines.crm.chat.user.delete"

func chatParams(_ type: String = "lead", _ entity: JSONValue = 1205, user: JSONValue = 503, chat: JSONValue? = 1763)
    -> JSONValue
{
    var o: JSONObject = ["CRM_ENTITY_TYPE": .string(type), "CRM_ENTITY": entity, "USER_ID": user]
    if let chat { o["CHAT_ID"] = chat }
    return .object(o)
}

/// The error a call throws (a test failure when it succeeds).
func failure(_ body: () async throws(B24Error) -> RESTResponse) async -> B24Error? {
    do {
        let r = try await body()
        Issue.record("expected an error, got \(r.result)")
        return nil
    } catch {
        return error
    }
}

@Suite struct ClientErrorMappingTests {
    struct Case: Sendable {
        var code: String
        var kind: B24Error.Kind
        var retryable: Bool
    }

    @Test func everyCodeTheSandboxProducesMapsToKindAndRetryability() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let admin = try h.client(retry: .never)
        let agent = try h.client(webhook: h.webhook(user: 503, code: "sandbox503agent"), retry: .never)
        let crmOnly = try h.client(webhook: h.webhook(user: 507, code: "sandbox507crm"), retry: .never)
        let wrong = try h.client(webhook: h.webhook(user: 1, code: "not-the-code"), retry: .never)

        let calls: [(Case, () async throws(B24Error) -> RESTResponse)] = [
            (Case(code: "CRM_CHAT_EMPTY_USER", kind: .argument, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, chatParams(user: 0)) }),
            (Case(code: "CRM_CHAT_EMPTY_CRM_DATA", kind: .argument, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, ["USER_ID": 503]) }),
            (Case(code: "ERROR_ARGUMENT", kind: .argument, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, chatParams("lead", "abc")) }),
            (Case(code: "ACCESS_DENIED", kind: .access, retryable: false),
             { () async throws(B24Error) in try await agent.call(deleteMethod, chatParams("company", 4001, chat: nil)) }),
            (Case(code: "CHAT_NOT_IN_CRM", kind: .not_found, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, chatParams(chat: 9999)) }),
            (Case(code: "CHAT_DELETE_USER_PERMISSION_DENIED", kind: .access, retryable: false),
             { () async throws(B24Error) in try await agent.call(deleteMethod, chatParams("contact", 3001, user: 506, chat: 1900)) }),
            (Case(code: "CRM_CHAT_USER_NOT_ACTIVE", kind: .state, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, chatParams(user: 505)) }),
            (Case(code: "WRONG_REQUEST", kind: .state, retryable: false),
             { () async throws(B24Error) in try await admin.call(deleteMethod, chatParams(user: 504)) }),
            (Case(code: "ERROR_METHOD_NOT_FOUND", kind: .not_found, retryable: false),
             { () async throws(B24Error) in try await admin.call("no.such.method", [:]) }),
            (Case(code: "insufficient_scope", kind: .access, retryable: false),
             { () async throws(B24Error) in try await crmOnly.call(deleteMethod, chatParams()) }),
            (Case(code: "INVALID_CREDENTIALS", kind: .access, retryable: false),
             { () async throws(B24Error) in try await wrong.call("user.current", [:]) }),
            (Case(code: "CRM_CHAT_EMPTY_CRM_DATA", kind: .argument, retryable: false),
             { () async throws(B24Error) in
                 try await admin.call("imopenlines.crm.chat.getLastId", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1206]) }),
        ]
        for (expected, call) in calls {
            guard let e = await failure(call) else { continue }
            #expect(e.code == expected.code, "\(e)")
            #expect(e.kind == expected.kind, "\(e)")
            #expect(e.retryable == expected.retryable, "\(e)")
            #expect(e.status != nil)
        }

        // System errors, queued as faults (with retries off, so the raw answer surfaces).
        let faults: [(JSONValue, Case)] = [
            (["status": 503, "error": "QUERY_LIMIT_EXCEEDED"], Case(code: "QUERY_LIMIT_EXCEEDED", kind: .limit, retryable: true)),
            (["status": 429, "error": "OPERATION_TIME_LIMIT"], Case(code: "OPERATION_TIME_LIMIT", kind: .limit, retryable: true)),
            (["status": 503, "error": "OVERLOAD_LIMIT"], Case(code: "OVERLOAD_LIMIT", kind: .limit, retryable: false)),
            (["status": 500], Case(code: "INTERNAL_SERVER_ERROR", kind: .server, retryable: true)),
            (["status": 500, "error": "ERROR_UNEXPECTED_ANSWER"], Case(code: "ERROR_UNEXPECTED_ANSWER", kind: .server, retryable: true)),
            (["status": 500, "error": "PORTAL_DELETED"], Case(code: "PORTAL_DELETED", kind: .not_found, retryable: false)),
            (["status": 401, "error": "NO_AUTH_FOUND"], Case(code: "NO_AUTH_FOUND", kind: .auth, retryable: false)),
            (["status": 502, "body": "<html><body><h1>502 Bad Gateway</h1></body></html>"],
             Case(code: "BAD_RESPONSE", kind: .protocol, retryable: true)),
            (["drop": true], Case(code: "NETWORK_ERROR", kind: .network, retryable: true)),
        ]
        for (fault, expected) in faults {
            try await h.queueFaults([fault])
            // A fresh client each time: a 429 rightly pauses the method in the client that saw it.
            let fresh = try h.client(retry: .never)
            guard let e = await failure({ () async throws(B24Error) in try await fresh.call("user.current", [:]) }) else { continue }
            #expect(e.code == expected.code, "\(e)")
            #expect(e.kind == expected.kind, "\(e)")
            #expect(e.retryable == expected.retryable, "\(e)")
        }

        // OAuth-side codes.
        let garbage = try h.oauthClient(accessToken: "not-a-token-at-all", retry: .never)
        let e = await failure({ () async throws(B24Error) in try await garbage.call("user.current", [:]) })
        #expect(e?.code == "NO_AUTH_FOUND")
        #expect(e?.kind == .auth)

        // Inside a raw batch: the 51st command is refused.
        var cmd = JSONObject()
        for i in 0..<51 { cmd["c\(i)"] = "user.current" }
        let raw = try await admin.call("batch", ["cmd": .object(cmd)])
        let over = raw.result["result_error"]?["c50"]
        #expect(over?["error"] == "ERROR_BATCH_LENGTH_EXCEEDED")
        #expect(B24Error.kind(forCode: "ERROR_BATCH_LENGTH_EXCEEDED", status: nil) == .argument)
    }
}

@Suite struct ClientRetryTests {
    @Test func queuedFaultsHealThroughRetries() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        try await h.queueFaults([["status": 503, "error": "QUERY_LIMIT_EXCEEDED"], ["status": 500], ["drop": true],
                                 ["status": 502, "body": "<html>Bad Gateway</html>"]])
        let r = try await c.call("user.current", [:])
        #expect(r.result["ID"] != nil)
        #expect(try await h.requests() == 5)
        #expect(c.statistics.retries == 4)
    }

    @Test func accessDeniedFailsAtOnce() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let agent = try h.client(webhook: h.webhook(user: 503, code: "sandbox503agent"))
        let e = await failure { () async throws(B24Error) in try await agent.call(deleteMethod, chatParams("company", 4001, chat: nil)) }
        #expect(e?.status == 403)
        #expect(try await h.requests() == 1)
    }

    @Test func droppedConnectionAfterAnAppliedDeleteEndsAsSuccess() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        #expect(h.portal.members(ofChat: 1763)?.contains(506) == true)
        try await h.queueFaults([["drop": "after"]])
        let r = try await c.call(deleteMethod, chatParams(user: 506))
        #expect(r.result == 1763)
        #expect(r.confirmedOnRetry)
        #expect(h.portal.members(ofChat: 1763)?.contains(506) == false)
        #expect(try await h.requests() == 2)
    }

    @Test func droppedConnectionOnAFirstAttemptIsRetriedForReads() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        try await h.queueFaults([["drop": "after"], ["drop": true]])
        let r = try await c.call("imopenlines.crm.chat.getLastId", ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205])
        #expect(r.result == 1763)
        #expect(!r.confirmedOnRetry)
    }

    @Test func retriesStopAtTheCap() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02))
        try await h.queueFaults([["status": 500], ["status": 500], ["status": 500], ["status": 500]])
        let e = await failure { () async throws(B24Error) in try await c.call("user.current", [:]) }
        #expect(e?.code == "INTERNAL_SERVER_ERROR")
        #expect(try await h.requests() == 3)
    }
}

@Suite struct ClientOAuthTests {
    @Test func twentyConcurrentCallsWithAnExpiredTokenShareOneRefresh() async throws {
        let clock = ManualSandboxClock()
        let h = try await SandboxHarness.start(options: SandboxOptions(plan: .unlimited, tokenTTL: 60), clock: clock)
        defer { Task { await h.stop() } }
        clock.advance(by: 61)
        let persisted = LockedBox<[OAuthTokens]>([])
        let c = try h.oauthClient(onRefresh: { t in persisted.mutate { $0.append(t) } })
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do { _ = try await c.call("user.current", [:]); return true } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { $0 })
        #expect(await c.refreshCount() == 1)
        #expect(try await h.stat("by_method", "oauth.token") == 1)
        #expect(persisted.value.count == 1)
        #expect(persisted.value.first?.accessToken != "sandbox-access-token")
        #expect(await c.currentTokens() == persisted.value.first)
    }

    @Test func aRefusedRefreshIsAnAuthError() async throws {
        let clock = ManualSandboxClock()
        let h = try await SandboxHarness.start(options: SandboxOptions(plan: .unlimited, tokenTTL: 60), clock: clock)
        defer { Task { await h.stop() } }
        clock.advance(by: 61)
        let c = try h.oauthClient(refreshToken: "revoked-refresh-token")
        let e = await failure { () async throws(B24Error) in try await c.call("user.current", [:]) }
        #expect(e?.code == "invalid_grant")
        #expect(e?.kind == .auth)
    }
}

@Suite struct ClientBatchTests {
    @Test func chunksKeepInputOrderAndKeys() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        // 120 commands → 3 chunks; every 40th asks about a chat that does not exist.
        let commands: [BatchCommand] = (0..<120).map { (i: Int) -> BatchCommand in
            let entity: Int64 = i % 40 == 39 ? 1206 : Int64(1300 + i % 60)
            let params: JSONValue = ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": JSONValue.int(entity)]
            return BatchCommand(key: "k\(i)", method: "imopenlines.crm.chat.getLastId", params: params)
        }
        let outcomes = try await c.batch(commands)
        #expect(outcomes.count == 120)
        for (i, o) in outcomes.enumerated() {
            switch o {
            case .success(let r): #expect(r.result == JSONValue.int(Int64(2300 + i % 60)), "k\(i)")
            case .failure(let e):
                #expect(i % 40 == 39, "k\(i): \(e)")
                #expect(e.code == "CRM_CHAT_EMPTY_CRM_DATA")
                #expect(e.method == "imopenlines.crm.chat.getLastId")
            }
        }
        #expect(try await h.stat("by_method", "batch") == 3)
    }

    @Test func haltStopsAtTheFirstFailureAcrossChunks() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        let commands = (0..<60).map { i in
            BatchCommand(key: "k\(i)", method: "imopenlines.crm.chat.getLastId",
                         params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": i == 10 ? 1206 : 1205])
        }
        let outcomes = try await c.batch(commands, halt: true)
        #expect(outcomes.count == 60)
        for (i, o) in outcomes.enumerated() {
            switch (i, o) {
            case (0..<10, .success): break
            case (10, .failure(let e)): #expect(e.code == "CRM_CHAT_EMPTY_CRM_DATA")
            case (11..., .failure(let e)): #expect(e.code == "BATCH_HALTED")
            default: Issue.record("k\(i): \(o)")
            }
        }
        #expect(try await h.stat("by_method", "batch") == 1)
    }

    @Test func resultReferencesAndNestedParams() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let c = try h.client()
        let outcomes = try await c.batch([
            BatchCommand(key: "last", method: "imopenlines.crm.chat.getLastId", params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205]),
            BatchCommand(key: "del", method: deleteMethod,
                         params: ["CRM_ENTITY_TYPE": "lead", "CRM_ENTITY": 1205, "USER_ID": 506, "CHAT_ID": "$result[last]"]),
        ])
        #expect(outcomes[1] == .success(RESTResponse(result: 1763, time: outcomes[1].time)))
        #expect(h.portal.members(ofChat: 1763)?.contains(506) == false)
    }
}

extension BatchOutcome {
    var time: JSONValue? { if case .success(let r) = self { r.time } else { nil } }
}

final class LockedBox<T: Sendable>: Sendable {
    let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    var value: T { m.withLock { $0 } }
    func mutate(_ f: (inout T) -> Void) { m.withLock { f(&$0) } }
}

import Synchronization
