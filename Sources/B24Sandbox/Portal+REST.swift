import B24Wire

// The pipeline of one `/rest/...` request, in the portal's order of checks.
extension SandboxPortal {
    func rest(_ request: WireRequest) -> WireResponse {
        let start = clock.now()
        let routed = RESTRequest.route(request.path)
        let method = routed.method
        let asValue = request.json != nil
        // The method's entry, looked up once: its handler, budget and statistics use it
        // (docs/performance.md).
        let spec = MethodTable.all[method]
        func record(_ r: WireResponse) -> WireResponse { self.record(r, method: method, known: spec?.id) }

        var dropAfter = false
        if let fault = state.withLock({ $0.faults.take(for: method) }) ?? randomFault() {
            switch fault.kind {
            case .error(let e): return record(Respond.error(e, asValue: asValue))
            case .raw(let status, let body):
                let r = WireResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")],
                                     body: Array(body.utf8))
                return record(r)
            case .drop(after: false): return record(WireResponse(status: 0, dropConnection: true))
            case .drop(after: true): dropAfter = true
            }
        }

        guard state.withLock({ $0.bucket.admit(at: start) }) else {
            return record(Respond.error(.queryLimit, asValue: asValue))
        }

        var response: WireResponse
        do throws(PortalError) {
            let head = try RESTRequest.head(request, routed: routed, maxBody: options.maxBodyBytes)
            // A webhook names itself in the path: check it before reading a byte of parameters.
            var webhookCaller: Caller?
            if case .webhook = head.credentials {
                webhookCaller = try state.withLock { s throws(PortalError) in
                    try authenticate(&s, head.credentials, now: start)
                }
            }
            let parsed = try RESTRequest.parse(request, head: head)
            let known = webhookCaller
            response = try state.withLock { s throws(PortalError) in
                let caller: Caller
                if let known { caller = known } else { caller = try authenticate(&s, parsed.credentials, now: start) }
                if parsed.method == "batch" {
                    let r = batch(&s, caller, parsed.params, now: start)
                    return Respond.success(r, time: timeBlock(start: start, budget: nil), asValue: asValue)
                }
                let (r, t) = try call(&s, caller, parsed.method, spec, parsed.params, now: start)
                return Respond.success(r, time: t, asValue: asValue)
            }
        } catch {
            response = Respond.error(error, asValue: asValue)
        }
        if dropAfter { response = WireResponse(status: 0, dropConnection: true) }
        return record(response)
    }

    /// `--fault-rate`: a random 500, 503 or dropped connection.
    func randomFault() -> FaultQueue.Fault? {
        guard options.faultRate > 0, Double.random(in: 0..<1) < options.faultRate else { return nil }
        let kinds: [FaultQueue.Kind] = [.error(.internalError), .error(.queryLimit), .drop(after: false)]
        return FaultQueue.Fault(method: nil, kind: kinds.randomElement()!)
    }

    func authenticate(_ s: inout PortalState, _ credentials: Credentials, now: Double) throws(PortalError) -> Caller {
        switch credentials {
        case .none:
            throw .noAuth
        case .webhook(let user, let code):
            guard let uid = Int64(user),
                  let index = s.data.webhooks.firstIndex(where: { $0.user == uid && $0.code == code }),
                  s.data.user(uid)?.active == true
            else { throw .invalidCredentials }
            let w = s.data.webhooks[index]
            return Caller(user: uid, scopes: w.scopes, isWebhook: true, key: .webhook(index: index))
        case .token(let token):
            guard let a = s.tokens.access[token] else { throw .noAuth }
            guard now < a.expiresAt else { throw .expiredToken }
            return Caller(user: a.user, scopes: a.scopes, isWebhook: false, key: .app(clientID: a.clientID))
        }
    }

    /// One method call, top-level or inside `batch`: lookup, scope, operating budget, handler.
    func call(_ s: inout PortalState, _ caller: Caller, _ method: String, _ params: JSONObject,
              now: Double) throws(PortalError) -> (MethodResult, TimeBlock) {
        try call(&s, caller, method, MethodTable.all[method], params, now: now)
    }

    /// The same with the method's entry already looked up (`MethodTable.all[method]`).
    func call(_ s: inout PortalState, _ caller: Caller, _ method: String, _ spec: MethodSpec?, _ params: JSONObject,
              now: Double) throws(PortalError) -> (MethodResult, TimeBlock) {
        guard let spec, s.data.missingMethods.isEmpty || !s.data.missingMethods.contains(method) else {
            throw .methodNotFound
        }
        guard spec.scope == MethodTable.basicScope || caller.scopes.contains(spec.scope) else {
            throw .insufficientScope(webhook: caller.isWebhook)
        }
        // One lookup: the budget is changed where it is stored.
        return try Self.modify(&s.budgets[BudgetKey(caller: caller.key, method: spec.id),
                                          default: PortalOperatingBudget(limit: options.operatingLimit)])
        { (budget) throws(PortalError) in
            guard budget.admit(at: now) else { throw .operationTimeLimit }
            // The call that crosses the limit still runs; failed calls cost time too.
            let outcome = Result { () throws(PortalError) in try spec.handler(&s.data, caller, Params(object: params)) }
            budget.record(options.processingMs / 1000, at: now)
            let result = try outcome.get()
            return (result, timeBlock(start: now, budget: &budget))
        }
    }

    static func modify<T, R>(_ value: inout T, _ body: (inout T) throws(PortalError) -> R) throws(PortalError) -> R {
        try body(&value)
    }

    func timeBlock(start: Double, budget: inout PortalOperatingBudget) -> TimeBlock {
        let processing = options.processingMs / 1000
        return TimeBlock(start: start, finish: max(clock.now(), start + processing), processing: processing,
                         operating: budget.operating(at: start), operatingResetAt: budget.resetAt(at: start))
    }

    func timeBlock(start: Double, budget: PortalOperatingBudget?) -> TimeBlock {
        var b = budget ?? PortalOperatingBudget(limit: 0)
        return timeBlock(start: start, budget: &b)
    }
}
