import B24Wire

// Reading the REST envelope: `{"result", "total", "next", "time"}` on success,
// `{"error", "error_description"}` on failure, and anything else as BAD_RESPONSE with the status
// and a short, redacted excerpt, so a proxy's HTML page is recognisable but never floods a log.

public struct RESTResponse: Sendable, Equatable {
    public var result: JSONValue
    public var total: Int?
    public var next: Int?
    public var time: JSONValue?
    /// The whole decoded body (for `b24.request`); for a batch command, its slice rebuilt as one.
    public var envelope: JSONValue
    /// A write whose first attempt may have been applied, answered "already done" on the retry.
    public var confirmedOnRetry: Bool
    /// Not sent: a resumed run's journal shows this write done, and this is its result then
    /// (docs/journal.md, "Resuming").
    public var resumed = false

    public init(result: JSONValue, total: Int? = nil, next: Int? = nil, time: JSONValue? = nil,
                envelope: JSONValue? = nil, confirmedOnRetry: Bool = false) {
        self.result = result
        self.total = total
        self.next = next
        self.time = time
        self.confirmedOnRetry = confirmedOnRetry
        self.envelope = envelope ?? RESTResponse.makeEnvelope(result: result, total: total, next: next, time: time)
    }

    static func makeEnvelope(result: JSONValue, total: Int?, next: Int?, time: JSONValue?) -> JSONValue {
        var o = JSONObject()
        o["result"] = result
        if let total { o["total"] = .int(Int64(total)) }
        if let next { o["next"] = .int(Int64(next)) }
        if let time { o["time"] = time }
        return .object(o)
    }
}

package enum Envelope {
    /// Deeper is a hostile or broken answer (BAD_RESPONSE; `JSONNesting.answer`).
    static let maxDepth = JSONNesting.answer

    /// Decodes one HTTP answer of a REST method call.
    package static func decode(_ response: WireResponse, method: String) -> Result<RESTResponse, B24Error> {
        let status = response.status
        let json: JSONValue
        switch parse(response, method: method) {
        case .success(let v): json = v
        case .failure(let e): return .failure(e)
        }
        if let error = restError(json, status: status, method: method) { return .failure(error) }
        guard (200..<300).contains(status) else {
            return .failure(.badResponse("HTTP \(status) without an error code: \(excerpt(of: response))",
                                         status: status, method: method))
        }
        guard case .object(let obj) = json, let result = obj["result"] else {
            return .failure(.badResponse("no `result` in the answer: \(excerpt(of: response))",
                                         status: status, method: method))
        }
        let time = obj["time"].flatMap { $0.objectValue != nil ? $0 : nil }
        return .success(RESTResponse(result: result, total: obj["total"]?.intValue.map(Int.init),
                                     next: obj["next"]?.intValue.map(Int.init), time: time, envelope: json))
    }

    /// The body as JSON, or BAD_RESPONSE naming what came instead.
    static func parse(_ response: WireResponse, method: String?) -> Result<JSONValue, B24Error> {
        if let json = response.json { return .success(json) }
        let body = response.body
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return .failure(.badResponse("empty body (HTTP \(response.status))", status: response.status, method: method))
        }
        do {
            return .success(try JSONValue.parse(body, maxDepth: maxDepth))
        } catch {
            return .failure(.badResponse("not JSON (\(error.reason)): \(excerpt(body))", status: response.status,
                                         method: method))
        }
    }

    /// An `{"error": ...}` body as a B24Error, nil when the body is not one.
    static func restError(_ json: JSONValue, status: Int?, method: String?) -> B24Error? {
        guard case .object(let obj) = json, let errorValue = obj["error"] else { return nil }
        // OAuth-style bodies nest nothing; a non-string `error` is not an error body we know.
        guard let rawCode = errorValue.stringValue else { return nil }
        // `crm.lead.get` answers with an empty code: keep the status mapping, give the code a name.
        let code = rawCode.isEmpty ? "ERROR_UNKNOWN" : rawCode
        let message = obj["error_description"]?.stringValue ?? obj["error_message"]?.stringValue ?? rawCode
        return B24Error(code: code, message: message, status: status, method: method,
                        argument: obj["argument"]?.stringValue)
    }

    /// The excerpt of an answer's body, whether it came as bytes or (in-process) as a value.
    static func excerpt(of response: WireResponse) -> String {
        excerpt(response.json?.serializedBytes() ?? response.body)
    }

    /// The first 120 characters of a body, on one line and redacted.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        var flat = ""
        var lastSpace = false
        for ch in text {
            let space = ch.isWhitespace
            if space && lastSpace { continue }
            flat.append(space ? " " : ch)
            lastSpace = space
        }
        flat = flat.trimmingCharacters(in: " ")
        if flat.count > 120 { flat = String(flat.prefix(120)) + "…" }
        return Redaction.redact(flat)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
