import B24
import B24Wire

/// The one path of every call a run sends, single or batched (docs/call-pipeline.md): under
/// `--resume`, answer the writes the journal shows done (`ResumeLedger`); under
/// `--dry-run`, answer the writes instead of sending them (`DryRun`); journal the intent of each
/// write (persisted, or the write is not sent: `JOURNAL_ERROR`), send under the client's retry
/// policy, keep an outcome that may have been applied as unknown, journal the outcome. The `b24`
/// module and `undo` both send through it.
public struct CallPipeline: Sendable {
    public let client: B24Client
    public let journal: Journal?
    /// This call's place in a dry run's plan; nil when writes are sent.
    public let dryRun: DryRun.Stage?
    /// `--resume`: the writes a journal shows done, answered instead of sent again.
    public let resume: ResumeLedger?
    /// Counts every write sent (and the resumed ones), for a stopped run's summary.
    public let tally: WriteTally?

    public init(client: B24Client, journal: Journal?, dryRun: DryRun.Stage? = nil, resume: ResumeLedger? = nil,
                tally: WriteTally? = nil) {
        self.client = client
        self.journal = journal
        self.dryRun = dryRun
        self.resume = resume
        self.tally = tally
    }

    /// The answer to a write the resumed journal shows done: its result then, not sent again.
    private func resumed(_ method: String, _ params: JSONValue) -> RESTResponse? {
        guard resume != nil else { return nil }
        return resumed(method, params, isWrite: MethodCatalog.isWrite(method))
    }

    private func resumed(_ method: String, _ params: JSONValue, isWrite: Bool) -> RESTResponse? {
        guard let resume, isWrite, let result = resume.take(method, params) else { return nil }
        tally?.alreadyDone()
        var r = RESTResponse(result: result)
        r.resumed = true
        return r
    }

    /// One call; a write is answered by the resumed journal or the dry run, or journaled around it.
    public func call(_ method: String, _ params: JSONValue) async throws(B24Error) -> RESTResponse {
        // The catalog is read once per call, and the client gets its answer (docs/performance.md).
        let effect = MethodCatalog.effect(of: method)
        if let r = resumed(method, params, isWrite: effect.isWrite) { return r }
        if let dryRun, DryRun.Stage.answers(method) {
            return try await dryRun.answer(method, params) { (m, p) async throws(B24Error) -> RESTResponse in
                try await client.call(m, p)
            }
        }
        guard effect.isWrite, journal != nil || tally != nil else { return try await client.call(method, params, effect: effect) }
        let seq = try journal?.intent(method: method, params: params)
        tally?.sent()
        do throws(B24Error) {
            let r = try await client.call(method, params, effect: effect)
            if let seq { journal?.outcome(seq, method: method, result: .success(r.result), confirmedOnRetry: r.confirmedOnRetry) }
            tally?.outcome(.success(()))
            return r
        } catch {
            if let seq { journal?.outcome(seq, method: method, result: .failure(error)) }
            tally?.outcome(.failure(error))
            throw error
        }
    }

    /// A batch, chunk by chunk; under a dry run its writes are answered and the rest sent; each
    /// write command sent is journaled with its own chunk's outcome. When an intent cannot be
    /// written, nothing of the batch is sent.
    public func batch(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        if resume != nil { return try await resumedBatch(commands, halt: halt) }
        return try await unresumed(commands, halt: halt)
    }

    /// A batch some of whose writes the resumed journal may show done: those are answered, the
    /// rest goes on as usual; every command keeps its own outcome, in its place.
    private func resumedBatch(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        var answers: [Int: RESTResponse] = [:]
        for (i, c) in commands.enumerated() {
            if let r = resumed(c.method, c.params) { answers[i] = r }
        }
        if answers.isEmpty { return try await unresumed(commands, halt: halt) }
        let rest = commands.indices.filter { answers[$0] == nil }
        var outcomes = commands.indices.map { answers[$0].map(BatchOutcome.success) }
        if !rest.isEmpty {
            let run: BatchRun
            do throws(B24Error) { run = try await unresumed(rest.map { commands[$0] }, halt: halt) } catch {
                for i in rest { outcomes[i] = .failure(error) }
                return Self.answered(commands, outcomes)
            }
            for (i, o) in zip(rest, run.outcomes) { outcomes[i] = o }
        }
        return Self.answered(commands, outcomes)
    }

    /// Outcomes as a run whose every chunk was answered.
    static func answered(_ commands: [BatchCommand], _ outcomes: [BatchOutcome?]) -> BatchRun {
        let all = zip(commands, outcomes).map { c, o in
            o ?? .failure(.badResponse("batch answer has no outcome for '\(c.key)'", status: nil, method: c.method))
        }
        let chunks = stride(from: 0, to: all.count, by: MethodCatalog.batchLimit).map {
            Result<[BatchOutcome], B24Error>.success(Array(all[$0..<min($0 + MethodCatalog.batchLimit, all.count)]))
        }
        return BatchRun(commands: commands, chunks: chunks)
    }

    /// A batch past the resume stage: the dry run's, or sent.
    private func unresumed(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        if let dryRun, commands.contains(where: { DryRun.Stage.answers($0.method) }) {
            return try await dryRun.batch(commands, halt: halt) { (c, h) async throws(B24Error) -> BatchRun in
                try await sent(c, halt: h)
            }
        }
        return try await sent(commands, halt: halt)
    }

    /// A batch as sent: journal intents, send, journal outcomes.
    private func sent(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        guard journal != nil || tally != nil else { return try await client.batchRun(commands, halt: halt) }
        let writes = commands.indices.filter { MethodCatalog.isWrite(commands[$0].method) }
        var seqs: [(index: Int, seq: Int)] = []
        func close(_ error: B24Error) {
            // Not sent: the intents already written are closed as failures the portal never saw
            // (an intent alone would read as "outcome unknown").
            for (i, seq) in seqs { journal?.outcome(seq, method: commands[i].method, result: .failure(error)) }
        }
        if let journal {
            do throws(B24Error) {
                for i in writes { seqs.append((i, try journal.intent(method: commands[i].method, params: commands[i].params))) }
            } catch {
                close(error)
                throw error
            }
        }
        let run: BatchRun
        tally?.sent(writes.count)
        do throws(B24Error) { run = try await client.batchRun(commands, halt: halt) } catch {
            close(error)
            for _ in writes { tally?.outcome(.failure(error)) }
            throw error
        }
        let outcomes = run.outcomes
        for i in writes {
            switch outcomes[i] {
            case .success: tally?.outcome(.success(()))
            case .failure(let e): tally?.outcome(.failure(e))
            }
        }
        for (i, seq) in seqs {
            switch outcomes[i] {
            case .success(let r):
                journal?.outcome(seq, method: commands[i].method, result: .success(r.result), confirmedOnRetry: r.confirmedOnRetry)
            case .failure(let e):
                journal?.outcome(seq, method: commands[i].method, result: .failure(e))
            }
        }
        return run
    }

    /// Positions of `keys` cut into consecutive rounds in which no key appears twice. Calls in
    /// one round may run concurrently (chunks in flight); rounds run one after another, so calls
    /// sharing a key keep their order.
    public static func rounds(keys: [String]) -> [[Int]] {
        var rounds: [[Int]] = []
        var seen: Set<String> = []
        for (i, key) in keys.enumerated() {
            if rounds.isEmpty || seen.contains(key) {
                rounds.append([])
                seen = []
            }
            seen.insert(key)
            rounds[rounds.count - 1].append(i)
        }
        return rounds
    }
}
