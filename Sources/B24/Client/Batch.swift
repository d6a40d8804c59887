import B24Wire

// `batch` (docs/bitrix24-rest.md §5, docs/call-pipeline.md): commands go out as `method?query` strings in chunks of 50, one
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

    /// The command's `result`, or its error.
    public var resultValue: Result<JSONValue, B24Error> {
        switch self {
        case .success(let r): .success(r.result)
        case .failure(let e): .failure(e)
        }
    }
}

/// What a `batch` did, chunk by chunk (docs/call-pipeline.md): each chunk of up to 50 commands
/// was answered (one outcome per command) or failed as a whole with its own error.
public struct BatchRun: Sendable {
    public let commands: [BatchCommand]
    public let chunks: [Result<[BatchOutcome], B24Error>]

    /// `chunks` of up to `MethodCatalog.batchLimit` outcomes each, in the order of `commands`.
    public init(commands: [BatchCommand], chunks: [Result<[BatchOutcome], B24Error>]) {
        self.commands = commands
        self.chunks = chunks
    }

    /// One outcome per command, in input order; a command of a chunk that failed as a whole fails
    /// with that chunk's error (never another chunk's).
    public var outcomes: [BatchOutcome] {
        var out: [BatchOutcome] = []
        out.reserveCapacity(commands.count)
        var start = 0
        for chunk in chunks {
            switch chunk {
            case .success(let o):
                out += o
                start += o.count
            case .failure(let error):
                let end = min(start + MethodCatalog.batchLimit, commands.count)
                for c in commands[start..<end] {
                    var e = error
                    e.method = c.method
                    out.append(.failure(e))
                }
                start = end
            }
        }
        return out
    }

    /// The first chunk's error when no chunk was answered at all: the batch failed as one call.
    public var wholeFailure: B24Error? {
        guard !chunks.isEmpty, chunks.allSatisfy({ if case .failure = $0 { true } else { false } }),
              case .failure(let e) = chunks[0] else { return nil }
        return e
    }
}

extension B24Client {
    public static let batchLimit = MethodCatalog.batchLimit

    /// Runs `commands` and returns one outcome per command, in the same order (outcome `i` is
    /// `commands[i]`'s). `$result[key]` references work between commands of one chunk of 50.
    /// With `halt`, chunks run one after another and the first failure stops the rest. Throws
    /// when the commands are invalid or when no chunk was answered at all.
    package func batch(_ commands: [BatchCommand], halt: Bool = false) async throws(B24Error) -> [BatchOutcome] {
        let run = try await batchRun(commands, halt: halt)
        if let e = run.wholeFailure { throw e }
        return run.outcomes
    }

    /// Runs `commands` chunk by chunk and keeps each chunk's outcome; throws only for invalid
    /// commands (then nothing was sent).
    public func batchRun(_ commands: [BatchCommand], halt: Bool = false) async throws(B24Error) -> BatchRun {
        var seen = Set<String>()
        for c in commands {
            try validate(method: c.method, params: c.params)
            guard !c.key.isEmpty, seen.insert(c.key).inserted else {
                throw .invalidArgument("batch keys must be unique and non-empty ('\(c.key.prefix(40))')", method: "batch")
            }
            guard MethodCatalog.normalized(c.method) != "batch" else {
                throw .invalidArgument("batch inside batch is not allowed", method: "batch")
            }
        }
        let chunks = stride(from: 0, to: commands.count, by: Self.batchLimit).map {
            Array(commands[$0..<min($0 + Self.batchLimit, commands.count)])
        }
        if halt {
            // One after another; the first failure (a command, or a chunk as a whole) stops the
            // rest, which are never sent. Chunks already answered keep their outcomes.
            var results: [Result<[BatchOutcome], B24Error>] = []
            for (i, chunk) in chunks.enumerated() {
                let result = await chunkResult(chunk, halt: true)
                results.append(result)
                let failed: Bool
                switch result {
                case .success(let o): failed = o.contains { if case .failure = $0 { true } else { false } }
                case .failure: failed = true
                }
                if failed {
                    for later in chunks[(i + 1)...] { results.append(.success(later.map { .failure(Self.notRun($0)) })) }
                    break
                }
            }
            return BatchRun(commands: commands, chunks: results)
        }
        return BatchRun(commands: commands, chunks: await runConcurrently(chunks))
    }

    /// One chunk, its whole-chunk failure kept as a value.
    func chunkResult(_ chunk: [BatchCommand], halt: Bool) async -> Result<[BatchOutcome], B24Error> {
        if Task.isCancelled { return .failure(Self.cancelledBeforeSending()) }
        do throws(B24Error) { return .success(try await runChunk(chunk, halt: halt)) } catch { return .failure(error) }
    }

    /// Chunks in flight at once, at most `maxChunksInFlight`; the limiter paces them further.
    func runConcurrently(_ chunks: [[BatchCommand]]) async -> [Result<[BatchOutcome], B24Error>] {
        if chunks.count == 1 { return [await chunkResult(chunks[0], halt: false)] }
        var results = [Result<[BatchOutcome], B24Error>?](repeating: nil, count: chunks.count)
        await withTaskGroup(of: (Int, Result<[BatchOutcome], B24Error>).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                group.addTask { [self] in (i, await chunkResult(chunks[i], halt: false)) }
            }
            while next < min(chunks.count, maxChunksInFlight) { launch() }
            for await (i, result) in group {
                results[i] = result
                if next < chunks.count { launch() }
            }
        }
        return results.map { $0 ?? .failure(Self.cancelledBeforeSending()) }
    }

    /// A chunk not sent because the run was cut off (Ctrl-C, `--timeout`) first.
    static func cancelledBeforeSending() -> B24Error {
        B24Error(code: "NETWORK_ERROR", message: "cancelled before sending", kind: .network, retryable: false,
                 requestMayHaveArrived: false)
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
        var outcomes = try BatchReply(response.result).outcomes(for: chunk, halt: halt, retried: mayHaveApplied)
        if mayHaveApplied { outcomes = await resolvingConfirmed(outcomes, of: chunk) }
        let blocks = zip(chunk, outcomes).compactMap { c, o -> (method: String, time: JSONValue?)? in
            if case .success(let r) = o { (c.method, r.time) } else { nil }
        }
        limiter.observe(blocks, now: clock.now(), unixNow: clock.unixNow())
        return outcomes
    }

    /// Commands "already so" on a retry that name no chat: their chat looked up, in one batch of
    /// reads, as a single call's is (`ResultResolution.chat`); null, unknown, when the lookup
    /// fails, since the write itself succeeded. Reads are never confirmed, so this never recurses.
    func resolvingConfirmed(_ outcomes: [BatchOutcome], of chunk: [BatchCommand]) async -> [BatchOutcome] {
        var pending: [(index: Int, resolution: ResultResolution)] = []
        for (i, (c, o)) in zip(chunk, outcomes).enumerated() {
            guard case .success(let r) = o, r.confirmedOnRetry, let resolution = MethodCatalog.resolution(of: c.method),
                  resolution.named(in: c.params) == nil else { continue }
            pending.append((i, resolution))
        }
        guard !pending.isEmpty else { return outcomes }
        let lookups = pending.map {
            BatchCommand(key: "chat\($0.index)", method: $0.resolution.lookup, params: $0.resolution.lookupParams(chunk[$0.index].params))
        }
        let answers = (try? await runChunk(lookups, halt: false)) ?? []
        var resolved = outcomes
        for (k, p) in pending.enumerated() where k < answers.count {
            let chat = p.resolution.chat(fromLookup: answers[k].resultValue)
            resolved[p.index] = .success(RESTResponse(result: (try? chat.get()) ?? .null, confirmedOnRetry: true))
        }
        return resolved
    }

    static func notRun(_ c: BatchCommand) -> B24Error {
        B24Error(code: "BATCH_HALTED", message: "not run: an earlier command failed and halt is set",
                 method: c.method, kind: .state, retryable: false, requestMayHaveArrived: false)
    }
}

/// The `result` of a `batch` answer: five sub-maps keyed by command key, each an object, or an
/// array when empty (PHP's `[]`) or when the keys were 0, 1, 2…
package struct BatchReply {
    let results, errors, totals, nexts, times: [String: JSONValue]

    package init(_ result: JSONValue) throws(B24Error) {
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

    package func outcomes(for chunk: [BatchCommand], halt: Bool, retried: Bool) -> [BatchOutcome] {
        chunk.map { c in
            if let err = errors[c.key] {
                let e = Envelope.restError(err, status: nil, method: c.method)
                    ?? B24Error.badResponse("unreadable batch error for '\(c.key)'", status: 200, method: c.method)
                if RetryState.isAlreadySo(e, effect: MethodCatalog.effect(of: c.method), mayHaveApplied: retried) {
                    let named = MethodCatalog.resolution(of: c.method)?.named(in: c.params)
                    return .success(RESTResponse(result: named ?? .null, confirmedOnRetry: true))
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
