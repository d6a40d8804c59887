import B24

/// The one path of every call a run sends, single or batched (docs/call-pipeline.md): under
/// `--dry-run`, answer the writes instead of sending them (`DryRun`); journal the intent of each
/// write (persisted, or the write is not sent: `JOURNAL_ERROR`), send under the client's retry
/// policy, keep an outcome that may have been applied as unknown, journal the outcome. The `b24`
/// module and `undo` both send through it.
public struct CallPipeline: Sendable {
    public let client: B24Client
    public let journal: Journal?
    /// This call's place in a dry run's plan; nil when writes are sent.
    public let dryRun: DryRun.Stage?

    public init(client: B24Client, journal: Journal?, dryRun: DryRun.Stage? = nil) {
        self.client = client
        self.journal = journal
        self.dryRun = dryRun
    }

    /// One call; a write is answered by the dry run, or journaled around it.
    public func call(_ method: String, _ params: JSONValue) async throws(B24Error) -> RESTResponse {
        if let dryRun, DryRun.Stage.answers(method) {
            return try await dryRun.answer(method, params) { (m, p) async throws(B24Error) -> RESTResponse in
                try await client.call(m, p)
            }
        }
        guard let journal, MethodCatalog.isWrite(method) else { return try await client.call(method, params) }
        let seq = try journal.intent(method: method, params: params)
        do throws(B24Error) {
            let r = try await client.call(method, params)
            journal.outcome(seq, method: method, result: .success(r.result), confirmedOnRetry: r.confirmedOnRetry)
            return r
        } catch {
            journal.outcome(seq, method: method, result: .failure(error))
            throw error
        }
    }

    /// A batch, chunk by chunk; under a dry run its writes are answered and the rest sent; each
    /// write command sent is journaled with its own chunk's outcome. When an intent cannot be
    /// written, nothing of the batch is sent.
    public func batch(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        if let dryRun, commands.contains(where: { DryRun.Stage.answers($0.method) }) {
            return try await dryRun.batch(commands, halt: halt) { (c, h) async throws(B24Error) -> BatchRun in
                try await sent(c, halt: h)
            }
        }
        return try await sent(commands, halt: halt)
    }

    /// A batch as sent: journal intents, send, journal outcomes.
    private func sent(_ commands: [BatchCommand], halt: Bool) async throws(B24Error) -> BatchRun {
        guard let journal else { return try await client.batchRun(commands, halt: halt) }
        var seqs: [(index: Int, seq: Int)] = []
        func close(_ error: B24Error) {
            // Not sent: the intents already written are closed as failures the portal never saw
            // (an intent alone would read as "outcome unknown").
            for (i, seq) in seqs { journal.outcome(seq, method: commands[i].method, result: .failure(error)) }
        }
        do throws(B24Error) {
            for (i, c) in commands.enumerated() where MethodCatalog.isWrite(c.method) {
                seqs.append((i, try journal.intent(method: c.method, params: c.params)))
            }
        } catch {
            close(error)
            throw error
        }
        let run: BatchRun
        do throws(B24Error) { run = try await client.batchRun(commands, halt: halt) } catch {
            close(error)
            throw error
        }
        let outcomes = run.outcomes
        for (i, seq) in seqs {
            switch outcomes[i] {
            case .success(let r):
                journal.outcome(seq, method: commands[i].method, result: .success(r.result), confirmedOnRetry: r.confirmedOnRetry)
            case .failure(let e):
                journal.outcome(seq, method: commands[i].method, result: .failure(e))
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
