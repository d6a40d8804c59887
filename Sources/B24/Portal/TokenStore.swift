// The OAuth token pair, shared by every request of a client. A refresh is single-flight: the
// first request that meets `expired_token` starts it, the others await the same refresh, and a
// request that failed with a token already replaced just takes the new one.

actor TokenStore {
    private(set) var tokens: OAuthTokens
    private var inFlight: Task<Result<OAuthTokens, B24Error>, Never>?
    /// Refreshes performed, for the tests' "exactly one refresh".
    private(set) var refreshCount = 0

    init(tokens: OAuthTokens) { self.tokens = tokens }

    var accessToken: String { tokens.accessToken }

    /// Returns a fresh access token. `stale` is the token the failed request used.
    func refresh(stale: String,
                 using perform: @escaping @Sendable (OAuthTokens) async -> Result<OAuthTokens, B24Error>)
        async throws(B24Error) -> String
    {
        if tokens.accessToken != stale { return tokens.accessToken }
        let task: Task<Result<OAuthTokens, B24Error>, Never>
        if let running = inFlight {
            task = running
        } else {
            let current = tokens
            task = Task { await perform(current) }
            inFlight = task
            refreshCount += 1
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let fresh):
            tokens = fresh
            return fresh.accessToken
        case .failure(let error):
            throw error
        }
    }
}
