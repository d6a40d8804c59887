import B24Wire

/// The emulated Bitrix24 portal: one request handler for both the HTTP server and the in-process
/// mode. Checks run in the order of a real portal: fault queue, rate limit, request decoding,
/// auth, method lookup, scope, operating budget, then the method's own checks (docs/bitrix24-rest.md §1–7).
public final class SandboxPortal: WireHandler, Sendable {
    public let options: SandboxOptions
    let clock: any SandboxClock
    let state: Locked<PortalState>

    public init(dataSet: SandboxDataSet = .default, options: SandboxOptions = .init(),
                clock: any SandboxClock = SystemSandboxClock()) {
        self.options = options
        self.clock = clock
        state = Locked(PortalState(dataSet, options: options, now: clock.now()))
    }

    /// The data set's first webhook; the in-process mode acts as it.
    public var defaultWebhook: (user: Int64, code: String) {
        state.withLock { s in s.data.webhooks.first.map { ($0.user, $0.code) } ?? (0, "") }
    }

    public var portalHost: String { state.withLock { $0.data.portal } }

    /// The current members of a chat, nil when there is no such chat.
    public func members(ofChat id: Int64) -> [Int64]? {
        state.withLock { s in s.data.chatIndex(id).map { s.data.chats[$0].members } }
    }

    /// The data set as fixture JSON plus request statistics (`GET /_sandbox/state`).
    public func stateJSON() -> JSONValue {
        state.withLock { s in
            guard case .object(var o) = s.data.fixture() else { return .null }
            o["stats"] = s.stats.json
            return .object(o)
        }
    }

    /// The data set as it is now, as fixture JSON without statistics (`--save-state`).
    public func dataSetJSON() -> JSONValue {
        state.withLock { $0.data.fixture() }
    }

    /// Back to the data set the portal started with: membership, tokens, limits, faults, stats.
    public func reset() { reset(to: nil) }

    func reset(to dataSet: SandboxDataSet?) {
        let now = clock.now()
        state.withLock { s in
            s = PortalState(dataSet ?? s.initial, options: options, now: now)
        }
    }

    /// In-process callers hand over JSON bodies as values and get values back (docs/performance.md).
    public var acceptsValues: Bool { true }

    public func handle(_ request: WireRequest) async -> WireResponse {
        if options.latencyMs > 0, request.path.hasPrefix("/rest/") {
            try? await Task.sleep(nanoseconds: UInt64(min(options.latencyMs, 3_600_000) * 1_000_000))
        }
        return route(request)
    }

    /// Everything but the simulated latency, without suspending (the fuzz harness in B24Fuzzing
    /// calls it).
    package func route(_ request: WireRequest) -> WireResponse {
        let path = request.path
        if path.hasPrefix("/_sandbox/") { return hook(request) }
        if path == "/oauth/token/" || path == "/oauth/token" { return oauthToken(request) }
        guard path.hasPrefix("/rest/") else {
            return record(Respond.error(PortalError(404, "NOT_FOUND", "Not found")), method: nil)
        }
        return rest(request)
    }

    /// `known`: the method's `MethodSpec.id`, when it is in the method table; the `/rest/` path
    /// always gives it for those, so their counts are kept by id (`RequestStats`).
    func record(_ r: WireResponse, method: String?, known: Int? = nil) -> WireResponse {
        state.withLock { $0.stats.record(status: r.dropConnection ? 0 : r.status, method: method, known: known) }
        return r
    }
}
