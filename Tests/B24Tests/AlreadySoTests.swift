import Testing
@testable import B24
@testable import B24Wire

/// "Already so" is one rule (`RetryState.isAlreadySo`): a single call and a command of a
/// `batch` take the same answer as success or failure, for every effect, code and retry.
@Suite struct AlreadySoTests {
    static let methods = ["user.current", "crm.lead.add", "imopenlines.crm.chat.user.delete"]

    @Test(arguments: methods, ["WRONG_REQUEST", "ACCESS_DENIED"])
    func aSingleCallAndABatchCommandAgree(method: String, code: String) throws {
        let effect = MethodCatalog.effect(of: method)
        for retried in [false, true] {
            let expected = retried && code == "WRONG_REQUEST" && effect == .idempotentWrite

            // A single call: a first attempt that may have been applied (sent, then dropped) or not.
            var s = RetryState(policy: .default, effect: effect)
            s.attempt(now: 0)
            if retried { _ = s.failed(.networkError("dropped", sent: true), now: 0, jitter: 0) }
            s.attempt(now: 1)
            let single = s.failed(B24Error(code: code, message: "m", status: 400, method: method), now: 1, jitter: 0)
            #expect((single == .confirmed) == expected, "\(method) \(code) retried: \(retried)")

            // The same answer to a command of a batch.
            let reply = try BatchReply(.object(["result": .array([]),
                                                "result_error": .object(["k": .object(["error": .string(code),
                                                                                       "error_description": "m"])])]))
            let command = BatchCommand(key: "k", method: method, params: .object(["CHAT_ID": 7]))
            let outcome = reply.outcomes(for: [command], halt: false, retried: retried)[0]
            var confirmed = false
            if case .success(let r) = outcome { confirmed = r.confirmedOnRetry }
            #expect(confirmed == expected, "batch: \(method) \(code) retried: \(retried)")
            #expect(RetryState.isAlreadySo(B24Error(code: code, message: "m"), effect: effect, mayHaveApplied: retried) == expected)
        }
        if method == "imopenlines.crm.chat.user.delete" { #expect(effect == .idempotentWrite) }
        if method == "crm.lead.add" { #expect(effect == .write) }
    }
}
