import B24
import B24Wire
import B24Sandbox
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `b24lua snapshot` (docs/snapshot.md): reads a portal, with reads only, batched 50 commands a
/// request through the client (so within the rate limit shared with every b24lua process of
/// the portal), into a sandbox data set. Every answer is kept in a checkpoint as it arrives,
/// so an interrupted snapshot goes on where it stopped.
public struct Snapshot {
    public let client: B24Client
    /// The portal's host, as the data set will name it.
    public let portal: String
    /// The portal as a journal names it (scheme, host, port, folder: `PortalConnection.identity`):
    /// what a checkpoint must belong to. Two portals on one host (other ports, other folders)
    /// share a host, never an identity.
    public let identity: String
    public let request: SnapshotRequest
    /// Where answers are kept between runs; nil keeps them in memory only (`diff` of a live portal).
    public let checkpointPath: String?
    public let progress: ProgressLine?
    /// Messages for the person running it (resuming, starting over).
    public let notice: @Sendable (String) -> Void

    /// Commands per round: as many as the client keeps in flight at once, so each round is a
    /// few requests and the checkpoint is written after each.
    static let round = MethodCatalog.batchLimit * MethodCatalog.batchesInFlight
    /// Passes over the reads a phase still misses after answers the portal may heal (limits, 5xx).
    static let passes = 4

    public init(client: B24Client, portal: String, identity: String? = nil, request: SnapshotRequest, checkpointPath: String?,
                progress: ProgressLine? = nil, notice: @escaping @Sendable (String) -> Void = { _ in }) {
        self.client = client
        self.portal = portal
        self.identity = identity ?? portal
        self.request = request
        self.checkpointPath = checkpointPath
        self.progress = progress
        self.notice = notice
    }

    /// Where a snapshot written to `output` keeps its answers meanwhile: beside it.
    public static func checkpointPath(for output: String) -> String { SnapshotCheckpoint.path(for: output) }

    /// Takes the snapshot (resuming from the checkpoint unless `fresh`) and returns the data set.
    /// The checkpoint stays until the caller has written the data set (`DataSetFile.write`).
    public func take(fresh: Bool = false) async throws(SnapshotError) -> SandboxDataSet {
        var checkpoint = try start(fresh: fresh)
        let plan = SnapshotPlan(request: request)
        try await phase("portal", plan.first(), &checkpoint)
        // A round of pages at a time: where a list ends is what its pages show, not its total.
        while case let more = plan.pages(checkpoint), !more.isEmpty { try await phase("lists", more, &checkpoint) }
        try await phase("entities", plan.chatLists(checkpoint), &checkpoint)
        try await phase("chats", plan.chatDetails(checkpoint), &checkpoint)
        try await phase("users", plan.otherUsers(checkpoint), &checkpoint)
        let code = String((0..<16).map { _ in "0123456789abcdef".randomElement()! })
        let data = SnapshotAssembly(checkpoint: checkpoint, request: request)
            .dataSet(portal: portal, takenAt: checkpoint.startedAt, webhookCode: code)
        // What is written must load: the same checks as `--sandbox=FILE`.
        do throws(SandboxDataSetError) { _ = try SandboxDataSet(fixture: data.fixture()) } catch {
            throw SnapshotError(.failed, "the portal's answers do not make a consistent data set: \(error.message)")
        }
        return data
    }

    func start(fresh: Bool) throws(SnapshotError) -> SnapshotCheckpoint {
        let key = request.checkpointKey(portal: identity)
        let now = Date().formatted(.iso8601)
        guard let path = checkpointPath, !fresh else { return SnapshotCheckpoint(key: key, startedAt: now) }
        guard let old = try SnapshotCheckpoint.load(path) else { return SnapshotCheckpoint(key: key, startedAt: now) }
        guard old.key == key else {
            notice("\(path) was left by a snapshot of other entities, filter or portal; starting over")
            return SnapshotCheckpoint(key: key, startedAt: now)
        }
        notice("resuming from \(path) (\(old.results.count) answers read since \(old.startedAt)); "
               + "--fresh starts over")
        return old
    }

    /// Sends the phase's reads that have no answer yet, a round at a time, keeping each answer.
    func phase(_ label: String, _ reads: [SnapshotRead], _ c: inout SnapshotCheckpoint) async throws(SnapshotError) {
        var pending = reads.filter { c.results[$0.key] == nil }
        progress?.begin(label, total: reads.count, done: reads.count - pending.count)
        defer { progress?.end() }
        var denied: [SnapshotRead] = []
        var pass = 0
        while !pending.isEmpty {
            pass += 1
            var again: [SnapshotRead] = []
            for start in stride(from: 0, to: pending.count, by: Self.round) {
                let slice = Array(pending[start..<min(start + Self.round, pending.count)])
                try checkCancelled(&c)
                let run: BatchRun
                do throws(B24Error) { run = try await client.batchRun(slice.map(\.command)) } catch {
                    throw SnapshotError(.failed, "cannot send \(label) reads: \(error.description)")
                }
                var stop: SnapshotError?
                for (read, outcome) in zip(slice, run.outcomes) {
                    switch outcome {
                    case .success(let r):
                        c.results[read.key] = r.result
                        if let t = r.total { c.totals[read.key] = Int64(t) }
                        progress?.step()
                    case .failure(let e) where e.code == "ACCESS_ERROR" && read.method.hasPrefix("im."):
                        denied.append(read)
                    case .failure(let e) where Self.mayHeal(e) && pass < Self.passes:
                        again.append(read)
                    case .failure(let e):
                        stop = stop ?? SnapshotError.explaining(e, method: read.method)
                    }
                }
                try save(c)
                try checkCancelled(&c)
                // A request the client gave up on after its own retries (a 503 storm, a portal
                // down): more passes would only press a portal that says to wait, for minutes.
                // Passes are for commands refused inside answered batches (docs/snapshot.md,
                // "Resuming").
                if stop == nil, let e = run.chunks.lazy.compactMap(Self.failure).first {
                    stop = SnapshotError.explaining(e, method: "batch")
                }
                if let stop { throw stop }
            }
            pending = again
        }
        if !denied.isEmpty {
            let chats = denied.compactMap { Int64($0.key.split(separator: ":").last ?? "") }
            throw SnapshotError(.failed, "the snapshot's user may not read \(Set(chats).count) chat(s) "
                                + "(ACCESS_ERROR, e.g. \(SnapshotAssembly.sample(Array(Set(chats)).sorted()))): "
                                + "take the snapshot with an administrator's webhook")
        }
    }

    static func failure(_ chunk: Result<[BatchOutcome], B24Error>) -> B24Error? {
        if case .failure(let e) = chunk { e } else { nil }
    }

    /// Answers a later pass may get right: limits, server errors, lost connections.
    static func mayHeal(_ e: B24Error) -> Bool {
        e.retryable && [.limit, .server, .network, .protocol].contains(e.kind)
    }

    func checkCancelled(_ c: inout SnapshotCheckpoint) throws(SnapshotError) {
        guard Task.isCancelled else { return }
        try save(c)
        throw SnapshotError(.interrupted, "snapshot interrupted" + (checkpointPath.flatMap { path in
            c.results.isEmpty ? nil : "; \(c.results.count) answers are kept in \(path): run the same command again to go on"
        } ?? ""))
    }

    /// Nothing read, nothing kept: a snapshot refused at its first request leaves no checkpoint
    /// behind, nor a message that says what was read is kept.
    func save(_ c: SnapshotCheckpoint) throws(SnapshotError) {
        guard let checkpointPath, !c.results.isEmpty else { return }
        try c.save(checkpointPath)
    }
}
