import Testing
@testable import B24

@Suite struct RetryPolicyTests {
    func error(_ code: String, _ status: Int?, sent: Bool = true) -> B24Error {
        B24Error(code: code, message: "m", status: status, requestMayHaveArrived: sent)
    }

    @Test func backoffIsExponentialCappedAndJittered() {
        let p = RetryPolicy(baseDelay: 1, maxDelay: 8)
        #expect(p.backoff(base: 1, attempt: 1, jitter: 0) == 0.5)
        #expect(p.backoff(base: 1, attempt: 1, jitter: 1) == 1)
        #expect(p.backoff(base: 1, attempt: 3, jitter: 1) == 4)
        #expect(p.backoff(base: 1, attempt: 10, jitter: 1) == 8)
        #expect(p.backoff(base: 1, attempt: 10, jitter: 0) == 4)
    }

    @Test func serverErrorsRetryUntilTheAttemptCap() {
        var s = RetryState(policy: RetryPolicy(maxAttempts: 3, baseDelay: 1), effect: .read)
        s.attempt(now: 0)
        #expect(s.failed(error("INTERNAL_SERVER_ERROR", 500), now: 0, jitter: 1) == .retry(after: 1))
        s.attempt(now: 1)
        #expect(s.failed(error("INTERNAL_SERVER_ERROR", 500), now: 1, jitter: 1) == .retry(after: 2))
        s.attempt(now: 3)
        guard case .fail(let e) = s.failed(error("INTERNAL_SERVER_ERROR", 500), now: 3, jitter: 1) else {
            Issue.record("expected fail"); return
        }
        #expect(e.code == "INTERNAL_SERVER_ERROR")
        #expect(!e.outcomeUnknown)  // a read
    }

    @Test func totalTimeCap() {
        var s = RetryState(policy: RetryPolicy(maxAttempts: 10, maxElapsed: 5, baseDelay: 4), effect: .read)
        s.attempt(now: 0)
        #expect(s.failed(error("INTERNAL_SERVER_ERROR", 500), now: 0, jitter: 1) == .retry(after: 4))
        s.attempt(now: 4)
        guard case .fail = s.failed(error("INTERNAL_SERVER_ERROR", 500), now: 4, jitter: 1) else {
            Issue.record("expected fail"); return
        }
    }

    @Test func unhealableErrorsFailAtOnce() {
        for (code, status) in [("ACCESS_DENIED", 403), ("ERROR_ARGUMENT", 400), ("CHAT_NOT_IN_CRM", 400),
                               ("WRONG_REQUEST", 400), ("NO_AUTH_FOUND", 401), ("expired_token", 401),
                               ("OVERLOAD_LIMIT", 503)] {
            var s = RetryState(policy: .default, effect: .read)
            s.attempt(now: 0)
            guard case .fail(let e) = s.failed(error(code, status), now: 0, jitter: 0.5) else {
                Issue.record("\(code) should fail at once"); continue
            }
            #expect(e.code == code)
        }
    }

    @Test func limitsRetryForEveryMethodEvenWrites() {
        var s = RetryState(policy: RetryPolicy(limitDelay: 2), effect: .write)
        s.attempt(now: 0)
        #expect(s.failed(error("QUERY_LIMIT_EXCEEDED", 503), now: 0, jitter: 1) == .retry(after: 2))
        s.attempt(now: 2)
        #expect(s.failed(error("OPERATION_TIME_LIMIT", 429), now: 2, jitter: 1, resumeAt: 62) == .retry(after: 60))
        #expect(!s.mayHaveApplied)
    }

    @Test func uncertainWriteIsNotRepeatedUnlessIdempotent() {
        var w = RetryState(policy: .default, effect: .write)
        w.attempt(now: 0)
        guard case .fail(let e) = w.failed(.networkError("dropped", sent: true), now: 0, jitter: 0) else {
            Issue.record("expected fail"); return
        }
        #expect(e.outcomeUnknown)

        // Never sent: safe to repeat any write.
        var n = RetryState(policy: .default, effect: .write)
        n.attempt(now: 0)
        guard case .retry = n.failed(.networkError("refused", sent: false), now: 0, jitter: 0) else {
            Issue.record("expected retry"); return
        }
    }

    @Test func idempotentWriteRetriesAndAlreadyDoneIsSuccess() {
        var s = RetryState(policy: .default, effect: .idempotentWrite)
        s.attempt(now: 0)
        guard case .retry = s.failed(.networkError("dropped", sent: true), now: 0, jitter: 0) else {
            Issue.record("expected retry"); return
        }
        #expect(s.mayHaveApplied)
        s.attempt(now: 1)
        #expect(s.failed(error("WRONG_REQUEST", 400), now: 1, jitter: 0) == .confirmed)
    }

    @Test func alreadyDoneOnAFirstAttemptIsAnError() {
        var s = RetryState(policy: .default, effect: .idempotentWrite)
        s.attempt(now: 0)
        guard case .fail(let e) = s.failed(error("WRONG_REQUEST", 400), now: 0, jitter: 0) else {
            Issue.record("expected fail"); return
        }
        #expect(!e.confirmedOnRetry)
    }

    /// A refused connection (a typo in the port) is tried three times within about a second, not
    /// six times over a minute; a connection that times out, twice (README "The REST client").
    @Test func anUnreachablePortalIsGivenAFewQuickTries() {
        var s = RetryState(policy: .default, effect: .read)
        var now = 0.0, waited = 0.0
        var decisions: [RetryState.Decision] = []
        repeat {
            s.attempt(now: now)
            let d = s.failed(.networkError("could not connect to 127.0.0.1:9: connection refused", sent: false), now: now,
                             jitter: 1)
            decisions.append(d)
            if case .retry(let after) = d { waited += after; now += after + 0.001 }
        } while decisions.count < 10 && { if case .retry = decisions.last! { return true } else { return false } }()
        #expect(s.attempts == 3, "\(decisions)")
        #expect(waited <= 1, "\(waited) s of waiting")
        guard case .fail(let e) = decisions.last else { Issue.record("expected fail"); return }
        #expect(e.code == "NETWORK_ERROR" && !e.outcomeUnknown)

        var t = RetryState(policy: .default, effect: .write)
        t.attempt(now: 0)
        let first = t.failed(.timeout("could not connect in time", sent: false), now: 3, jitter: 1)
        guard case .retry(let after) = first else { Issue.record("one retry after a connect timeout"); return }
        t.attempt(now: 3 + after)
        guard case .fail = t.failed(.timeout("could not connect in time", sent: false), now: 6 + after, jitter: 1) else {
            Issue.record("not a third connect timeout"); return
        }

        // The cap is on failures to connect only: a server's 503s keep their six attempts.
        var u = RetryState(policy: .default, effect: .read)
        for i in 0..<5 {
            u.attempt(now: Double(i))
            guard case .retry = u.failed(error("INTERNAL_SERVER_ERROR", 500), now: Double(i), jitter: 0) else {
                Issue.record("attempt \(i + 1)"); return
            }
        }
    }
}
