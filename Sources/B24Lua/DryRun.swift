import B24
import B24Wire
import Synchronization

/// The first stage of the call pipeline under `--dry-run` (docs/call-pipeline.md): a write is
/// not sent. It is recorded in the plan and answered with what the portal would most likely
/// say, as the method catalog resolves its result (docs/method-catalog.md): the chat its
/// `CHAT_ID` names, else the entity's last chat, asked of the portal with a read (0 when the
/// entity has no chat); `true` for a write the catalog knows nothing more of. Reads are sent.
///
/// The plan keeps the order the script asked in, also when `b24.each` has several batches in
/// flight: each call or batch takes its turn (`stage()`) on the Lua thread before anything of it
/// is sent, and its writes take their places within that turn.
public final class DryRun: Sendable {
    public struct PlannedWrite: Sendable, Equatable {
        public let method: String
        public let params: JSONValue
        public let result: JSONValue
    }

    private struct Place: Comparable {
        let turn: Int
        let position: Int
        static func < (a: Place, b: Place) -> Bool { (a.turn, a.position) < (b.turn, b.position) }
    }

    private struct State {
        var turns = 0
        var plan: [(place: Place, write: PlannedWrite)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The writes planned so far, in the order the script asked for them.
    public var plannedWrites: [PlannedWrite] {
        state.withLock { $0.plan }.sorted { $0.place < $1.place }.map(\.write)
    }

    /// The plan as printed at the end of a run, one line per write (secrets redacted).
    public func planText() -> String {
        let writes = plannedWrites
        var lines = ["dry run: \(writes.count) write(s) planned, none sent"]
        for (i, w) in writes.enumerated() {
            let params = Redaction.redact(json: w.params).serialized(), result = Redaction.redact(json: w.result).serialized()
            // The method name too: a script may put a secret anywhere (docs/journal.md).
            lines.append("  \(i + 1). \(Redaction.redact(w.method)) \(params) -> \(result)")
        }
        return lines.joined(separator: "\n")
    }

    /// The stage of one call or batch, its place in the plan taken now.
    public func stage() -> Stage {
        Stage(dryRun: self, turn: state.withLock { s in
            s.turns += 1
            return s.turns
        })
    }

    fileprivate func record(_ write: PlannedWrite, turn: Int, position: Int) {
        state.withLock { $0.plan.append((Place(turn: turn, position: position), write)) }
    }

    /// How the pipeline sends what a dry run still sends (the reads): a batch, chunk by chunk.
    public typealias Send = @Sendable (_ commands: [BatchCommand], _ halt: Bool) async throws(B24Error) -> BatchRun

    /// The dry-run stage of one call or batch.
    public struct Stage: Sendable {
        let dryRun: DryRun
        let turn: Int

        /// Whether the stage answers `method` itself (a write) instead of letting it be sent.
        public static func answers(_ method: String) -> Bool { MethodCatalog.isWrite(method) }

        /// A single write: planned and answered. A lookup the answer needs is a single read,
        /// sent with `read`; its failure (other than "no such chat") is the write's.
        public func answer(_ method: String, _ params: JSONValue,
                           read: (String, JSONValue) async throws(B24Error) -> RESTResponse) async throws(B24Error) -> RESTResponse {
            let result: JSONValue
            switch Answer(method, params) {
            case .known(let r): result = r
            case .lookup(let resolution, let call):
                let looked: Result<JSONValue, B24Error>
                do throws(B24Error) { looked = .success(try await read(call.method, call.params).result) } catch {
                    looked = .failure(error)
                }
                result = try resolution.chat(fromLookup: looked).get()
            }
            dryRun.record(PlannedWrite(method: method, params: params, result: result), turn: turn, position: 0)
            return RESTResponse(result: result)
        }

        /// A batch: its writes planned and answered in command order, the lookups they need sent
        /// as one batch of reads (never halted), then the batch's own reads with its `halt`.
        /// Every command keeps its own outcome; an answered write counts as answered, so the
        /// batch fails as a whole only when `send` throws.
        public func batch(_ commands: [BatchCommand], halt: Bool, send: Send) async throws(B24Error) -> BatchRun {
            var outcomes = [BatchOutcome?](repeating: nil, count: commands.count)
            var reads: [Int] = []
            var lookups: [(index: Int, resolution: ResultResolution, command: BatchCommand)] = []
            for (i, c) in commands.enumerated() {
                guard Self.answers(c.method) else { reads.append(i); continue }
                switch Answer(c.method, c.params) {
                case .known(let r): outcomes[i] = .success(RESTResponse(result: r))
                case .lookup(let resolution, let call):
                    lookups.append((i, resolution, BatchCommand(key: "dry\(i)", method: call.method, params: call.params)))
                }
            }
            if !lookups.isEmpty {
                let run = try await send(lookups.map(\.command), false)
                for (lookup, outcome) in zip(lookups, run.outcomes) {
                    switch lookup.resolution.chat(fromLookup: outcome.resultValue) {
                    case .success(let chat): outcomes[lookup.index] = .success(RESTResponse(result: chat))
                    case .failure(let e): outcomes[lookup.index] = .failure(e)
                    }
                }
            }
            if !reads.isEmpty {
                let run = try await send(reads.map { commands[$0] }, halt)
                for (i, outcome) in zip(reads, run.outcomes) { outcomes[i] = outcome }
            }
            let all = zip(commands, outcomes).map { c, o in
                o ?? .failure(.badResponse("batch answer has no outcome for '\(c.key)'", status: nil, method: c.method))
            }
            for (i, c) in commands.enumerated() where Self.answers(c.method) {
                if case .success(let r) = all[i] {
                    dryRun.record(PlannedWrite(method: c.method, params: c.params, result: r.result), turn: turn, position: i)
                }
            }
            let chunks = stride(from: 0, to: all.count, by: MethodCatalog.batchLimit).map {
                Result<[BatchOutcome], B24Error>.success(Array(all[$0..<min($0 + MethodCatalog.batchLimit, all.count)]))
            }
            return BatchRun(commands: commands, chunks: chunks)
        }
    }

    /// How a write is answered: at once, or after a lookup.
    enum Answer {
        case known(JSONValue)
        case lookup(ResultResolution, (method: String, params: JSONValue))

        init(_ method: String, _ params: JSONValue) {
            guard let r = MethodCatalog.resolution(of: method) else { self = .known(.bool(true)); return }
            if let named = r.named(in: params) { self = .known(named); return }
            self = .lookup(r, (r.lookup, r.lookupParams(params)))
        }
    }
}
