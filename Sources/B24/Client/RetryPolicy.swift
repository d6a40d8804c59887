import B24Wire

// When to send again (README "The REST client"): limits wait and retry, 5xx and network errors back off
// exponentially with jitter, answers that cannot heal (access, argument, not_found, state) fail
// at once. A portal that cannot be reached at all (refused, no route, no such name, no connection
// within the connect timeout) is given a few quick tries, not eleven minutes. A write that may
// already have been applied is repeated only when repeating it is harmless; then "already done"
// on the retry is the success it looks like.

public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    /// No retry starts later than this many seconds after the first attempt.
    public var maxElapsed: Double
    public var baseDelay: Double
    public var maxDelay: Double
    /// The first delay after QUERY_LIMIT_EXCEEDED (the limiter also slows down).
    public var limitDelay: Double
    /// Attempts that fail to connect, at most: a portal restarting behind its load balancer
    /// refuses for a moment, a typo in the port refuses for ever.
    public var connectAttempts: Int
    /// No retry after a failure to connect starts later than this many seconds after the first
    /// attempt that failed to connect: with connect timeouts of a few seconds
    /// (HTTPTransport), an unreachable portal is reported within about ten.
    public var connectElapsed: Double

    public init(maxAttempts: Int = 6, maxElapsed: Double = 660, baseDelay: Double = 0.25, maxDelay: Double = 20,
                limitDelay: Double = 1, connectAttempts: Int = 3, connectElapsed: Double = 4) {
        self.maxAttempts = maxAttempts
        self.maxElapsed = maxElapsed
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.limitDelay = limitDelay
        self.connectAttempts = connectAttempts
        self.connectElapsed = connectElapsed
    }

    public static let `default` = RetryPolicy()
    public static let never = RetryPolicy(maxAttempts: 1)

    /// Backoff for the `attempt`-th failure (1-based): exponential, capped, with "equal jitter"
    /// (half fixed, half random) so parallel clients spread out but never retry instantly.
    public func backoff(base: Double, attempt: Int, jitter: Double) -> Double {
        let exp = min(maxDelay, base * Double(1 << min(attempt - 1, 20)))
        return exp / 2 + exp / 2 * min(1, max(0, jitter))
    }
}

/// The retry state of one call.
public struct RetryState: Sendable {
    /// "Already so" (docs/journal.md): the portal answers `WRONG_REQUEST` when a membership write
    /// finds the membership as it would leave it. After an attempt that may have been applied,
    /// that answer to an idempotent write is the success it looks like, the earlier attempt's.
    /// The one rule for a single call (`failed`) and for a command of a retried `batch`.
    public static func isAlreadySo(_ error: B24Error, effect: MethodEffect, mayHaveApplied: Bool) -> Bool {
        mayHaveApplied && error.code == "WRONG_REQUEST" && effect == .idempotentWrite
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Double)
        case fail(B24Error)
        /// An idempotent write answered "already done" after an attempt that may have applied it.
        case confirmed
    }

    public let policy: RetryPolicy
    public let effect: MethodEffect
    public private(set) var attempts = 0
    public private(set) var startedAt: Double?
    /// Some earlier attempt may have reached the portal and been applied.
    public private(set) var mayHaveApplied = false
    /// When the attempt now failing started.
    private var attemptStartedAt: Double?
    /// Attempts that failed to connect, and when the first of them started.
    public private(set) var connectFailures = 0
    private var firstConnectFailureAt: Double?

    public init(policy: RetryPolicy, effect: MethodEffect) {
        self.policy = policy
        self.effect = effect
    }

    /// An attempt is about to be sent.
    public mutating func attempt(now: Double) {
        if startedAt == nil { startedAt = now }
        attemptStartedAt = now
        attempts += 1
    }

    /// The attempt failed. `resumeAt`: when the limiter will let the method go again (429).
    public mutating func failed(_ error: B24Error, now: Double, jitter: Double, resumeAt: Double? = nil) -> Decision {
        var error = error
        // An answer to a retry cannot tell whether the earlier attempt was applied.
        if mayHaveApplied { error.confirmedOnRetry = true; error.outcomeUnknown = true }

        if Self.isAlreadySo(error, effect: effect, mayHaveApplied: mayHaveApplied) { return .confirmed }

        let arrived = error.requestMayHaveArrived && error.code != "QUERY_LIMIT_EXCEEDED"
            && error.code != "OPERATION_TIME_LIMIT"
        // A refusal before processing (limits) changes nothing; a 5xx, a timeout or a dropped
        // connection after sending may have.
        let uncertain = arrived && [.server, .network, .protocol].contains(error.kind)
        if uncertain && effect != .read {
            mayHaveApplied = true
            error.outcomeUnknown = true
        }

        guard error.retryable, error.kind != .auth else { return .fail(error) }
        if uncertain && effect == .write { return .fail(error) }
        guard attempts < policy.maxAttempts else { return .fail(error) }

        let delay: Double
        if error.code == "OPERATION_TIME_LIMIT" {
            delay = max(0, (resumeAt ?? now + 60) - now)
        } else if error.kind == .limit {
            delay = policy.backoff(base: policy.limitDelay, attempt: attempts, jitter: jitter)
        } else {
            delay = policy.backoff(base: policy.baseDelay, attempt: attempts, jitter: jitter)
        }
        guard now + delay - (startedAt ?? now) <= policy.maxElapsed else { return .fail(error) }
        // Never sent, for want of a connection: the portal is unreachable (HTTPTransport.classify).
        if error.kind == .network, !error.requestMayHaveArrived {
            connectFailures += 1
            let since = firstConnectFailureAt ?? attemptStartedAt ?? now
            firstConnectFailureAt = since
            guard connectFailures < policy.connectAttempts, now + delay - since <= policy.connectElapsed else {
                return .fail(error)
            }
        }
        return .retry(after: delay)
    }
}
