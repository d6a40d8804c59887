import B24Wire

/// Everything that changes while the portal runs; guarded by the portal's lock.
struct PortalState {
    let initial: SandboxDataSet
    var data: SandboxDataSet
    var bucket: PortalLeakyBucket
    /// Operating budgets, one per caller and method.
    var budgets: [BudgetKey: PortalOperatingBudget] = [:]
    var tokens: TokenStore
    var faults = FaultQueue()
    var stats = RequestStats()

    init(_ data: SandboxDataSet, options: SandboxOptions, now: Double) {
        initial = data
        self.data = data
        bucket = PortalLeakyBucket(rate: options.effectiveRate, burst: options.effectiveBurst)
        tokens = TokenStore(apps: data.apps, now: now, ttl: options.tokenTTL)
    }
}
