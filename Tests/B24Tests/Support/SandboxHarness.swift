// A sandbox portal for integration tests, reached through a real transport. The test hooks
// (`/_sandbox/faults`, `/_sandbox/state`) go over the same transport as the client's calls.
import B24
import B24Wire
import B24Sandbox
import Logging
import Synchronization
import Testing

struct SandboxHarness {
    let portal: SandboxPortal
    let transport: any Transport
    let endpoint: Endpoint
    /// `http://127.0.0.1:PORT/rest/1/CODE/`
    let webhookURL: String
    let stopServer: @Sendable () async -> Void

    /// The sandbox's HTTP server on a free loopback port, reached with `HTTPTransport`: the same
    /// server `b24lua sandbox serve` runs, the same transport a real portal gets.
    static func start(options: SandboxOptions = .unlimited, clock: any SandboxClock = SystemSandboxClock())
        async throws -> SandboxHarness
    {
        let portal = SandboxPortal(dataSet: .default, options: options, clock: clock)
        let server = try await SandboxServer.start(portal: portal, host: "127.0.0.1", port: 0, ownThread: true)
        let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: server.port)
        return SandboxHarness(portal: portal, transport: HTTPTransport(), endpoint: endpoint,
                              webhookURL: server.webhookURL, stopServer: { await server.stop() })
    }

    /// The same portal without a socket (`--sandbox`): the same encoding, `InProcessTransport`.
    static func inProcess(options: SandboxOptions = .unlimited, clock: any SandboxClock = SystemSandboxClock())
        -> SandboxHarness
    {
        let portal = SandboxPortal(dataSet: .default, options: options, clock: clock)
        let (user, code) = portal.defaultWebhook
        let endpoint = Endpoint(scheme: "http", host: "127.0.0.1", port: 1)
        return SandboxHarness(portal: portal, transport: InProcessTransport(handler: portal), endpoint: endpoint,
                              webhookURL: "\(endpoint.origin)/rest/\(user)/\(code)/", stopServer: {})
    }

    func stop() async {
        await transport.shutdown()
        await stopServer()
    }

    /// The webhook of another user of the default data set.
    func webhook(user: Int, code: String) -> String { "\(endpoint.origin)/rest/\(user)/\(code)/" }

    func client(webhook: String? = nil, plan: RateLimitPlan = .unlimited, retry: RetryPolicy = .fast,
                logger: Logger = Logger(label: "test")) throws -> B24Client {
        B24Client(portal: try PortalConfig.webhook(webhook ?? webhookURL), transport: transport, plan: plan,
                  retry: retry, logger: logger)
    }

    func oauthClient(accessToken: String = "sandbox-access-token", refreshToken: String = "sandbox-refresh-token",
                     clientSecret: String = "sandbox-app-secret", retry: RetryPolicy = .fast,
                     logger: Logger = Logger(label: "test"),
                     onRefresh: (@Sendable (OAuthTokens) -> Void)? = nil) throws -> B24Client {
        let creds = try OAuthCredentials(portal: endpoint.origin, accessToken: accessToken, refreshToken: refreshToken,
                                         clientId: "local.sandbox.app", clientSecret: clientSecret,
                                         oauthURL: endpoint.origin + "/oauth/token/", onTokensRefreshed: onRefresh)
        return B24Client(portal: .oauth(creds), transport: transport, plan: .unlimited, retry: retry, logger: logger)
    }

    /// Queues exact faults for the next requests (`POST /_sandbox/faults`).
    func queueFaults(_ faults: JSONValue) async throws {
        let r = try await transport.send(WireRequest(method: "POST", path: "/_sandbox/faults",
                                                     headers: [("Content-Type", "application/json")],
                                                     body: JSONValue.object(["faults": faults]).serializedBytes()),
                                         to: endpoint, timeout: .seconds(5))
        #expect(r.status == 200)
    }

    /// `GET /_sandbox/state`
    func state() async throws -> JSONValue {
        let r = try await transport.send(WireRequest(method: "GET", path: "/_sandbox/state"), to: endpoint,
                                         timeout: .seconds(5))
        return try JSONValue.parse(r.body)
    }

    func stat(_ key: String, _ sub: String) async throws -> Int {
        Int(try await state()["stats"]?[key]?[sub]?.intValue ?? 0)
    }

    func requests() async throws -> Int {
        Int(try await state()["stats"]?["requests"]?.intValue ?? 0)
    }
}

extension RetryPolicy {
    /// Real retry decisions with delays short enough for tests.
    static let fast = RetryPolicy(maxAttempts: 6, maxElapsed: 30, baseDelay: 0.01, maxDelay: 0.05, limitDelay: 0.01)
}

/// Captures every log line, so tests can assert what a verbose run prints.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var l = Logger(label: "b24.test") { _ in CaptureHandler(capture: self) }
        l.logLevel = .trace
        return l
    }

    var all: [String] { lines.withLock { $0 } }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            capture.lines.withLock { $0.append("\(level) \(message)") }
        }
    }
}
