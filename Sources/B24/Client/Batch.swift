// `batch` (b24-rest-facts §5): commands go out as `method?query` strings in chunks of 50, one
// HTTP request (one bucket slot) per chunk, several chunks in flight unless `halt` orders them.
// Every command gets exactly one outcome, in input order.

public struct BatchCommand: Sendable, Equatable {
    public var key: String
    public var method: String
    public var params: JSONValue

    public init(key: String, method: String, params: JSONValue = [:]) {
        self.key = key
        self.method = method
        self.params = params
    }
}

public enum BatchOutcome: Sendable, Equatable {
    case success(RESTResponse)
    case failure(B24Error)
}

extension B24Client {
    public static let batchLimit = 50

    /// Runs `commands` and returns one outcome per command, in the same order (outcome `i` is
    /// `commands[i]`'s). `$result[key]` references work between commands of one chunk of 50.
    /// With `halt`, chunks run one after another and the first failure stops the rest.
    public func batch(_ commands: [BatchCommand], halt: Bool = false) async throws(B24Error) -> [BatchOutcome] {
        var seen = Set<String>()
        for c in commands {
            try validate(method: c.method, params: c.params)
            guard !c.key.isEmpty, seen.insert(c.key).inserted else {
                throw .invalidArgument("batch keys must be unique and non-empty ('\(c.key.prefix(40))')", method: "batch")
            }
            guard B24Client.normalizedMethod(c.method) != "batch" else {
                throw .invalidArgument("batch inside batch is not allowed", method: "batch")
            }
        }
        let chunks = stride(from: 0, to: commands.count, by: Self.batchLimit).map {
            Array(commands[$0..<min($0 + Self.batchLimit, commands.count)])
        }
        if halt {
            var outcomes: [BatchOutcome] = []
            for (i, chunk) in chunks.enumerated() {
                let result = try await runChunk(chunk, halt: true)
                outcomes += result
                if result.contains(where: { if case .failure = $0 { true } else { false } }) {
                    for c in chunks[(i + 1)...].joined() { outcomes.append(.failure(Self.notRun(c))) }
                    break
                }
            }
            return outcomes
        }
        return try await runConcurrently(chunks)
    }

    /// Chunks in flight at once, at most `maxChunksInFlight`; the limiter paces them further.
    func runConcurrently(_ chunks: [[BatchCommand]]) async throws(B24Error) -> [BatchOutcome] {
        if chunks.count == 1 { return try await runChunk(chunks[0], halt: false) }
        var results = [[BatchOutcome]?](repeating: nil, count: chunks.count)
        var firstError: B24Error?
        await withTaskGroup(of: (Int, Result<[BatchOutcome], B24Error>).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                group.addTask { [self] in
                    do throws(B24Error) { return (i, .success(try await runChunk(chunks[i], halt: false))) } catch { return (i, .failure(error)) }
                }
            }
            while next < min(chunks.count, maxChunksInFlight) { launch() }
            for await (i, result) in group {
                switch result {
                case .success(let r): results[i] = r
                case .failure(let e): firstError = firstError ?? e
                }
                if next < chunks.count { launch() }
            }
        }
        // A chunk that failed as a whole (after its retries) fails each of its commands: the
        // other chunks' outcomes are still real and must not be lost.
        return chunks.indices.flatMap { i in
            results[i] ?? chunks[i].map { c in
                var e = firstError ?? .networkError("batch chunk failed", method: "batch", sent: true)
                e.method = c.method
                return .failure(e)
            }
        }
    }

    /// One `batch` request of up to 50 commands.
    func runChunk(_ chunk: [BatchCommand], halt: Bool) async throws(B24Error) -> [BatchOutcome] {
        var cmd = JSONObject()
        for c in chunk {
            let query = PHPQueryEncoder.encode(c.params)
            cmd[c.key] = .string(query.isEmpty ? c.method : "\(c.method)?\(query)")
        }
        let params: JSONValue = .object(["halt": .int(halt ? 1 : 0), "cmd": .object(cmd)])
        let effect = MethodEffect(batchOf: chunk.map(\.method))
        let (response, mayHaveApplied) = try await perform(method: "batch", params: params, effect: effect)
        let outcomes = try BatchReply(response.result).outcomes(for: chunk, halt: halt, retried: mayHaveApplied)
        let now = clock.now()
        let unixNow = clock.unixNow()
        limiter.withLock { limiter in
            for (c, o) in zip(chunk, outcomes) {
                if case .success(let r) = o { limiter.observe(method: c.method, time: r.time, now: now, unixNow: unixNow) }
            }
        }
        return outcomes
    }

    static func notRun(_ c: BatchCommand) -> B24Error {
        B24Error(code: "BATCH_HALTED", message: "not run: an earlier command failed and halt is set",
                 method: c.method, kind: .state, retryable: false, requestMayHaveArrived: false)
    }
}

/// The `result` of a `batch` answer: five sub-maps keyed by command key, each an object, or an
/// array when empty (PHP's `[]`) or when the keys were 0, 1, 2…
struct BatchReply {
    let results, errors, totals, nexts, times: [String: JSONValue]

    init(_ result: JSONValue) throws(B24Error) {
        guard case .object(let o) = result else {
            throw .badResponse("batch answer is not an object", status: 200, method: "batch")
        }
        results = try Self.map(o["result"], "result")
        errors = try Self.map(o["result_error"], "result_error")
        totals = try Self.map(o["result_total"], "result_total")
        nexts = try Self.map(o["result_next"], "result_next")
        times = try Self.map(o["result_time"], "result_time")
    }

    static func map(_ value: JSONValue?, _ name: String) throws(B24Error) -> [String: JSONValue] {
        switch value {
        case nil, .null?: return [:]
        case .object(let o)?: return Dictionary(o.members.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        case .array(let a)?: return Dictionary(uniqueKeysWithValues: a.enumerated().map { (String($0.offset), $0.element) })
        default: throw .badResponse("batch `\(name)` is neither an object nor an array", status: 200, method: "batch")
        }
    }

    func outcomes(for chunk: [BatchCommand], halt: Bool, retried: Bool) -> [BatchOutcome] {
        chunk.map { c in
            if let err = errors[c.key] {
                let e = Envelope.restError(err, status: nil, method: c.method)
                    ?? B24Error.badResponse("unreadable batch error for '\(c.key)'", status: 200, method: c.method)
                // The same rule as a single call: "already done" on a repeated idempotent write.
                if retried, e.code == "WRONG_REQUEST", MethodEffect(method: c.method) == .idempotentWrite {
                    let chat = c.params["CHAT_ID"]?.intValue.map(JSONValue.int) ?? .null
                    return .success(RESTResponse(result: chat, confirmedOnRetry: true))
                }
                return .failure(e)
            }
            if let r = results[c.key] {
                return .success(RESTResponse(result: r, total: totals[c.key]?.intValue.map(Int.init),
                                             next: nexts[c.key]?.intValue.map(Int.init),
                                             time: times[c.key].flatMap { $0.objectValue != nil ? $0 : nil }))
            }
            if halt { return .failure(B24Client.notRun(c)) }
            return .failure(.badResponse("batch answer has no result for '\(c.key)'", status: 200, method: c.method))
        }
    }
}
