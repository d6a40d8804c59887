import B24
import B24Sandbox
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// A snapshot of the portal that the portal options name, as `b24lua snapshot` and `b24lua diff`
/// take it: the connection the script run would open (its client, its limit shared per portal).
public enum SnapshotRun {
    public static func take(flags: B24Flags, environment: [String: String], request: SnapshotRequest,
                            checkpointPath: String?, fresh: Bool, progress: ProgressLine?,
                            notice: @escaping @Sendable (String) -> Void) async throws(SnapshotError) -> SandboxDataSet {
        let connection: PortalConnection
        do throws(B24Error) {
            let settings = try PortalSettings.resolve(flags, environment: environment)
            if case .none = settings.target {
                throw B24Error.configError("no portal configured: use --webhook URL, --webhook-file FILE, --profile NAME, "
                                           + "B24_WEBHOOK_URL or the OAuth variables")
            }
            connection = try PortalConnection.open(settings, verbose: flags.verbose || environment["B24LUA_LOG"] == "debug",
                                                   sharedLimit: !flags.noSharedLimit)
        } catch {
            throw SnapshotError(.usage, error.message)
        }
        guard let client = connection.client else {
            throw SnapshotError(.usage, (connection.unavailable ?? .configError("no portal configured")).message)
        }
        let snapshot = Snapshot(client: client, portal: connection.host ?? client.host, identity: connection.identity, request: request,
                                checkpointPath: checkpointPath, progress: progress, notice: notice)
        let result: Result<SandboxDataSet, SnapshotError>
        do throws(SnapshotError) { result = .success(try await snapshot.take(fresh: fresh)) } catch { result = .failure(error) }
        await client.shutdown()
        return try result.get()
    }
}

/// Ctrl-C, SIGTERM and `--timeout` cancel the work instead of ending the process, so that what
/// was read is kept (docs/snapshot.md, "Resuming").
public enum CancellableWork {
    /// Runs `body`; an interruption by a signal or the deadline comes back as such.
    public static func run<T: Sendable>(timeout: Double?,
                                        _ body: @escaping @Sendable () async throws(SnapshotError) -> T)
        async -> Result<T, SnapshotError>
    {
        let work = Task { () -> Result<T, SnapshotError> in
            do throws(SnapshotError) { return .success(try await body()) } catch { return .failure(error) }
        }
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { work.cancel() }
            source.resume()
            sources.append(source)
        }
        let expired = Expired()
        let timer = timeout.map { seconds in
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                if !Task.isCancelled {
                    expired.set()
                    work.cancel()
                }
            }
        }
        var result = await work.value
        timer?.cancel()
        for s in sources { s.cancel() }
        if case .failure(var e) = result, e.reason == .interrupted, expired.isSet {
            e.reason = .timedOut
            e.message = e.message.replacing("snapshot interrupted", with: "--timeout reached")
            result = .failure(e)
        }
        return result
    }

    final class Expired: @unchecked Sendable {
        private let lock = NIOLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }
}

extension SnapshotError.Reason {
    /// README "Exit statuses".
    public var exitStatus: ExitStatus {
        switch self {
        case .interrupted: .interrupted
        case .timedOut: .timedOut
        case .failed: .scriptError
        case .usage: .usage
        }
    }
}
