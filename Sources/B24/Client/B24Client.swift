import B24Wire

// The client: every call passes the rate limiter, goes out through a transport, is decoded
// into a result or a B24Error, and is retried or refreshed as the retry policy says. Safe to
// call from any task or thread, concurrently; no actor isolation is required of callers.
import Logging
import Synchronization

public final class B24Client: Sendable {
    public let portal: PortalConfig
    let transport: any Transport
    let retryPolicy: RetryPolicy
    let logger: Logger
    let clock: any B24Clock
    let timeout: Duration
    let maxChunksInFlight: Int
    let limiter: LimiterCell
    let tokens: TokenStore?
    let counters = Mutex(Counters())
    /// Hears, one line each, the retry waits longer than `noticeAfter` (what failed, how long).
    let retryNotice: (@Sendable (String) -> Void)?

    /// What the client has done, for tests.
    public struct Counters: Sendable, Equatable {
        public var requests = 0
        public var retries = 0
        public var refusedByLimit = 0
    }

    /// - Parameters:
    ///   - transport: nil: a new `HTTPTransport`, shut down by `shutdown()`.
    ///   - plan: the portal's limits to mirror.
    ///   - timeout: per request; the portal itself cuts requests at 60 s.
    ///   - maxChunksInFlight: batch requests sent concurrently (the limiter still paces them).
    ///   - sharedLimit: share the rate limit with every b24lua process of this portal and plan
    ///     through this file (docs/shared-limit.md); `warn` hears when it cannot.
    ///   - retryNotice: hears each retry wait longer than a second, with what it waits for
    ///     (README "The REST client", "Retries"); the line has been through `Redaction`.
    public init(portal: PortalConfig, transport: (any Transport)? = nil, plan: RateLimitPlan = .standard,
                retry: RetryPolicy = .default, logger: Logger = Logger(label: "b24"),
                clock: any B24Clock = SystemClock(), timeout: Duration = .seconds(65), maxChunksInFlight: Int = MethodCatalog.batchesInFlight,
                sharedLimit: (path: String, key: String)? = nil,
                warn: @escaping @Sendable (String) -> Void = { _ in },
                retryNotice: (@Sendable (String) -> Void)? = nil) {
        self.portal = portal
        self.retryNotice = retryNotice
        self.transport = transport ?? HTTPTransport()
        self.retryPolicy = retry
        self.logger = logger
        self.clock = clock
        self.timeout = timeout
        self.maxChunksInFlight = max(1, maxChunksInFlight)
        let limiter = RateLimiter(plan: plan, now: clock.now())
        if let sharedLimit, plan.drainPerSecond != nil {
            self.limiter = LimiterCell(limiter, sharedAt: sharedLimit.path, key: sharedLimit.key, clock: clock, warn: warn)
        } else {
            self.limiter = LimiterCell(limiter, clock: clock)
        }
        if case .oauth(let o) = portal {
            tokens = TokenStore(tokens: o.tokens)
        } else {
            tokens = nil
        }
    }

    public var host: String { portal.host }

    package var statistics: Counters { counters.withLock { $0 } }

    /// OAuth refreshes performed so far (0 for webhooks).
    package func refreshCount() async -> Int { await tokens?.refreshCount ?? 0 }

    /// The OAuth pair in use now (nil for webhooks).
    package func currentTokens() async -> OAuthTokens? { await tokens?.tokens }

    public func shutdown() async {
        await limiter.flush()
        await transport.shutdown()
    }

    /// Calls one REST method. `params` is a JSON object (or null for none).
    public func call(_ method: String, _ params: JSONValue = [:]) async throws(B24Error) -> RESTResponse {
        try await call(method, params, effect: MethodEffect(method: method))
    }

    /// The same, with the method's effect as the caller already read it from the catalog
    /// (`CallPipeline`): the catalog is read once per call (docs/performance.md).
    package func call(_ method: String, _ params: JSONValue, effect: MethodEffect) async throws(B24Error) -> RESTResponse {
        try validate(method: method, params: params)
        let (response, _) = try await perform(method: method, params: params, effect: effect)
        return response
    }

    func validate(method: String, params: JSONValue) throws(B24Error) {
        guard RequestEncoder.validMethodName(method) else {
            throw .invalidArgument("bad method name '\(method.prefix(60))'", method: nil)
        }
        guard params.objectValue != nil || params == .null else {
            throw .invalidArgument("params must be an object", method: method, argument: "params")
        }
    }

    // MARK: One call, with its retries

    /// Sends until a success or a final error. Returns the response and whether some attempt
    /// may have been applied before the one that answered.
    func perform(method: String, params: JSONValue, effect: MethodEffect) async throws(B24Error) -> (RESTResponse, Bool) {
        var state = RetryState(policy: retryPolicy, effect: effect)
        // Two: a pair another process refreshed (docs/shared-limit.md, "Tokens") may itself
        // have expired by the time it is tried; then this process refreshes it once more.
        var refreshesLeft = 2
        // A wait cut off (cancelled) after an attempt that may have been applied keeps that
        // uncertainty: the write must not be journaled as a plain failure.
        func uncertain(_ error: B24Error) -> B24Error {
            guard state.mayHaveApplied, effect != .read else { return error }
            var e = error
            e.outcomeUnknown = true
            e.method = method
            return e
        }
        while true {
            // Cut off (Ctrl-C, `--timeout`) before this attempt: it is not sent.
            if Task.isCancelled { throw uncertain(Self.cancelledBeforeSending()) }
            do { try await admit(method) } catch { throw uncertain(error) }
            state.attempt(now: clock.now())
            counters.withLock { $0.requests += 1 }
            let token = await tokens?.accessToken
            let request = RequestEncoder.request(method: method, params: params, portal: portal, accessToken: token,
                                                 asValue: transport.carriesValues)
            let started = clock.now()
            let outcome = await exchange(request, method: method)
            let ended = clock.now()

            switch outcome {
            case .success(let response):
                limiter.accepted(method: method, time: response.time, now: ended, unixNow: clock.unixNow())
                await log(method, status: 200, error: nil, started: started, ended: ended, attempt: state.attempts)
                return (response, state.mayHaveApplied)

            case .failure(var error):
                error.method = method
                let resumeAt = await limiter.withLock { $0.refused(method: method, code: error.code, now: ended) }
                if error.kind == .limit { counters.withLock { $0.refusedByLimit += 1 } }
                await log(method, status: error.status, error: error, started: started, ended: ended, attempt: state.attempts)

                if error.code == "expired_token", let tokens, let token, refreshesLeft > 0 {
                    refreshesLeft -= 1
                    _ = try await tokens.refresh(stale: token) { [self] old in await self.refreshTokens(old) }
                    continue
                }
                switch state.failed(error, now: ended, jitter: Double.random(in: 0...1), resumeAt: resumeAt) {
                case .retry(let delay):
                    counters.withLock { $0.retries += 1 }
                    if delay > Self.noticeAfter, let retryNotice {
                        retryNotice(Self.retryLine(error, delay: delay, next: state.attempts + 1, of: retryPolicy.maxAttempts))
                    }
                    do { try await sleep(until: ended + delay) } catch { throw uncertain(error) }
                case .fail(let final):
                    throw final
                case .confirmed where method != "batch":
                    return (try await confirmedResponse(method: method, params: params), true)
                case .confirmed:
                    // A whole batch answered WRONG_REQUEST: nothing to resolve; it stays unknown.
                    throw uncertain(error)
                }
            }
        }
    }

    /// Transport and envelope together: every failure comes back as a value.
    func exchange(_ request: WireRequest, method: String) async -> Result<RESTResponse, B24Error> {
        do {
            let response = try await transport.send(request, to: portal.endpoint, timeout: timeout)
            return Envelope.decode(response, method: method)
        } catch {
            return .failure(error)
        }
    }

    /// Waits until the limiter lets `method` go (and reserves its bucket slot).
    func admit(_ method: String) async throws(B24Error) {
        while true {
            let now = clock.now()
            let admission = await limiter.withLock { $0.admit(method: method, now: now) }
            // Cut off while waiting for the shared file's lock: not sent.
            if Task.isCancelled { throw Self.cancelledWhileWaiting }
            switch admission {
            case .send: return
            case .sendAt(let t): try await sleep(until: t); return
            case .askAgainAt(let t): try await sleep(until: t)
            }
        }
    }

    func sleep(until deadline: Double) async throws(B24Error) {
        do { try await clock.sleep(until: deadline) } catch {
            throw Self.cancelledWhileWaiting
        }
    }

    static let cancelledWhileWaiting = B24Error(code: "NETWORK_ERROR", message: "cancelled while waiting", kind: .network,
                                                retryable: false, requestMayHaveArrived: false)

    /// Retry waits up to this long pass silently; longer ones are told (`retryNotice`).
    static let noticeAfter = 1.0

    /// `b24: CODE (STATUS) METHOD: message; trying again in 4.2 s (attempt 3 of 6)`.
    static func retryLine(_ error: B24Error, delay: Double, next: Int, of most: Int) -> String {
        let tenths = clampedInt(delay * 10)
        return Redaction.redact("\(error.description); trying again in \(tenths / 10).\(tenths % 10) s (attempt \(next) of \(most))")
    }

    /// "Already done" after an attempt that may have been applied: the call's own result, as the
    /// method catalog resolves it (for a chat member: the `CHAT_ID` named, or else `getLastId`);
    /// null, unknown, when the lookup fails: the write itself succeeded.
    func confirmedResponse(method: String, params: JSONValue) async throws(B24Error) -> RESTResponse {
        guard let resolution = MethodCatalog.resolution(of: method) else {
            return RESTResponse(result: .null, confirmedOnRetry: true)
        }
        let chat = await resolution.chat(for: params) { method, params throws(B24Error) in
            try await call(method, params).result
        }
        return RESTResponse(result: (try? chat.get()) ?? .null, confirmedOnRetry: true)
    }

    // MARK: OAuth

    /// One refresh, coordinated with other processes through the token file when there is one.
    func refreshTokens(_ old: OAuthTokens) async -> Result<OAuthTokens, B24Error> {
        guard case .oauth(let creds) = portal else { return .failure(.configError("not an OAuth portal")) }
        guard let file = creds.tokenFile else { return await refreshAtServer(old, creds) }
        return await file.coordinatedRefresh(stale: old) { [self] in await self.refreshAtServer(old, creds) }
    }

    /// One refresh against the token server; hands the new pair to the persistence callback.
    func refreshAtServer(_ old: OAuthTokens, _ creds: OAuthCredentials) async -> Result<OAuthTokens, B24Error> {
        do {
            let (endpoint, request) = try RequestEncoder.refresh(oauthURL: creds.oauthURL, clientId: creds.clientId,
                                                                 clientSecret: creds.clientSecret,
                                                                 refreshToken: old.refreshToken)
            let started = clock.now()
            let response = try await transport.send(request, to: endpoint, timeout: timeout)
            let json = try Envelope.parse(response, method: "oauth/token").get()
            if let e = Envelope.restError(json, status: response.status, method: "oauth/token") {
                var e = e
                e.kind = .auth
                e.retryable = false
                await log("oauth/token", status: response.status, error: e, started: started, ended: clock.now(), attempt: 1)
                return .failure(e)
            }
            guard let access = json["access_token"]?.stringValue, let refresh = json["refresh_token"]?.stringValue else {
                return .failure(.badResponse("token answer without access_token/refresh_token", status: response.status,
                                             method: "oauth/token"))
            }
            Redaction.register(access)
            Redaction.register(refresh)
            let fresh = OAuthTokens(accessToken: access, refreshToken: refresh)
            await log("oauth/token", status: response.status, error: nil, started: started, ended: clock.now(), attempt: 1)
            creds.onTokensRefreshed?(fresh)
            return .success(fresh)
        } catch {
            return .failure(error)
        }
    }

    // MARK: Logging

    /// One line per HTTP exchange at debug (`-v`): method, status, duration, bucket, attempt.
    func log(_ method: String, status: Int?, error: B24Error?, started: Double, ended: Double, attempt: Int) async {
        guard logger.logLevel <= .debug else { return }
        let (level, capacity) = await limiter.withLock { ($0.level(at: ended), $0.bucket?.capacity) }
        let ms = Self.clampedInt((ended - started) * 1000)
        var line = "\(portal.host) \(method) -> \(status.map(String.init) ?? "no answer")"
        if let error { line += " \(error.code)" }
        line += " \(ms) ms bucket=" + (capacity.map { "\(formatted(level))/\(formatted($0))" } ?? "off")
        line += " attempt=\(attempt)"
        if let error, error.status == nil { line += " (\(error.message))" }
        logger.debug(Logger.Message(stringLiteral: Redaction.redact(line)))
    }

    func formatted(_ x: Double) -> String {
        let tenths = Self.clampedInt(x * 10)
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Rounded, and 0 for NaN, within ±1e15 otherwise: a figure for a log line, never a trap.
    static func clampedInt(_ x: Double) -> Int {
        guard !x.isNaN else { return 0 }
        return Int(min(max(x, -1e15), 1e15).rounded())
    }
}
