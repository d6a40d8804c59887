import B24Wire

// Test hooks under /_sandbox/, loopback only (README "The sandbox portal"). They bypass limits, faults and stats.
extension SandboxPortal {
    func hook(_ request: WireRequest) -> WireResponse {
        guard request.fromLoopback else { return Respond.error(PortalError(404, "NOT_FOUND", "Not found")) }
        switch (request.method.uppercased(), request.path) {
        case ("GET", "/_sandbox/state"):
            return Respond.json(200, stateJSON())
        case ("POST", "/_sandbox/reset"):
            // An optional fixture body replaces the data set; none restores the starting one.
            if request.body.contains(where: { $0 > 0x20 }) {
                do {
                    let ds = try SandboxDataSet(fixture: try JSONValue.parse(request.body))
                    reset(to: ds)
                } catch {
                    return Respond.error(PortalError(400, "ERROR_ARGUMENT", "\(error)", argument: "fixture"))
                }
            } else {
                reset()
            }
            return Respond.json(200, ["result": true])
        case ("POST", "/_sandbox/faults"):
            do throws(PortalError) {
                let body: JSONValue
                do { body = try JSONValue.parse(request.body) } catch { throw .syntaxError }
                if body["clear"]?.boolValue == true { state.withLock { $0.faults.clear() } }
                let faults = body["faults"] == nil ? [] : try FaultQueue.parse(body)
                let pending = state.withLock { s in
                    s.faults.enqueue(faults)
                    return s.faults.pending.count
                }
                return Respond.json(200, ["result": ["queued": .int(Int64(faults.count)), "pending": .int(Int64(pending))]])
            } catch {
                return Respond.error(error)
            }
        case ("DELETE", "/_sandbox/faults"):
            state.withLock { $0.faults.clear() }
            return Respond.json(200, ["result": true])
        default:
            return Respond.error(PortalError(404, "NOT_FOUND", "Unknown sandbox hook"))
        }
    }
}
