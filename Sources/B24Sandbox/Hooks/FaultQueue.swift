import B24Wire

/// Exact faults queued by tests with `POST /_sandbox/faults`, consumed one per matching request.
struct FaultQueue {
    enum Kind: Equatable {
        case error(PortalError)
        /// A raw answer (e.g. an HTML error page from a proxy).
        case raw(status: Int, body: String)
        /// Close the connection without answering; `after` applies the method first.
        case drop(after: Bool)
    }

    struct Fault: Equatable {
        var method: String?
        var kind: Kind
    }

    private(set) var pending: [Fault] = []

    mutating func enqueue(_ faults: [Fault]) { pending += faults }
    mutating func clear() { pending = [] }

    /// The first fault meant for `method` (or for any method), removed from the queue.
    mutating func take(for method: String) -> Fault? {
        guard let i = pending.firstIndex(where: { $0.method == nil || $0.method == method }) else { return nil }
        return pending.remove(at: i)
    }

    /// `{"faults":[{"status":503,"error":"QUERY_LIMIT_EXCEEDED"},{"drop":true},{"drop":"after"},
    /// {"status":502,"body":"<html>…"}], "method":"optional filter"}`; a fault may carry its own "method".
    static func parse(_ body: JSONValue) throws(PortalError) -> [Fault] {
        let bad = PortalError(400, "ERROR_ARGUMENT", "Expected {\"faults\":[…], \"method\":\"…\"}", argument: "faults")
        guard let list = body["faults"]?.arrayValue else { throw bad }
        let defaultMethod = body["method"]?.stringValue?.lowercased()
        var out: [Fault] = []
        for f in list {
            guard f.objectValue != nil else { throw bad }
            let method = f["method"]?.stringValue?.lowercased() ?? defaultMethod
            if let drop = f["drop"] {
                switch drop {
                case .bool(true), .string("before"): out.append(Fault(method: method, kind: .drop(after: false)))
                case .string("after"): out.append(Fault(method: method, kind: .drop(after: true)))
                default: throw bad
                }
                continue
            }
            let status = f["status"].map { PHP.intval($0) }.map(Int.init)
            if let status, !(100...599).contains(status) { throw bad }
            if let raw = f["body"]?.stringValue {
                out.append(Fault(method: method, kind: .raw(status: status ?? 500, body: raw)))
                continue
            }
            var e = PortalError.fault(status: status, code: f["error"]?.stringValue)
            if let d = f["error_description"]?.stringValue { e.description = d }
            out.append(Fault(method: method, kind: .error(e)))
        }
        return out
    }
}
