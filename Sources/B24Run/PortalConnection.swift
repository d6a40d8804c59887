import B24
import B24Wire
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
import Logging

/// The client for the run's portal, and the in-process sandbox behind it under `--sandbox`.
public final class PortalConnection: Sendable {
    public let client: B24Client?
    public let sandbox: SandboxPortal?
    /// Why there is no client (no portal configured, a bad URL, a bad fixture).
    public let unavailable: B24Error?

    /// Which portal the writes go to, as every journal line names it (docs/journal.md):
    /// `https://host:443` (scheme, host and port), or `sandbox:NAME` for the in-process sandbox,
    /// NAME being its data set's portal (`sandbox:sandbox.example` for the default one: a
    /// sandbox run is never undone on a real portal); nil when no portal is configured.
    public let identity: String?

    /// The portal a journal of this connection names, and the one `--resume` matches: its
    /// `identity`, or `unnamed` when no portal is configured. Decided here only, for the run and
    /// for undo alike.
    public var journalName: String { identity ?? Self.unnamed }
    /// What a journal names when no portal is configured: no real portal is called so.
    public static let unnamed = "none"

    public var host: String? { sandbox?.portalHost ?? client?.host }

    public init(client: B24Client?, sandbox: SandboxPortal?, unavailable: B24Error?, identity: String? = nil) {
        self.client = client
        self.sandbox = sandbox
        self.unavailable = unavailable
        self.identity = identity
    }

    /// The in-process sandbox's name in a journal: its data set's portal.
    static func sandboxIdentity(_ portal: SandboxPortal) -> String { "sandbox:" + portal.portalHost }

    /// `sharedLimit`: the rate limit is shared with every b24lua process of the portal
    /// (docs/shared-limit.md); the in-process sandbox never shares. `quiet` (`--quiet`): no
    /// line for a retry wait, as no progress bar.
    public static func open(_ settings: PortalSettings, verbose: Bool, sharedLimit: Bool = true,
                            quiet: Bool = false) throws(B24Error) -> PortalConnection {
        let logger = makeLogger(verbose: verbose)
        let warn: @Sendable (String) -> Void = { StandardError.write($0 + "\n") }
        func shared(_ host: String, _ plan: RateLimitPlan) -> (path: String, key: String)? {
            guard sharedLimit, plan.drainPerSecond != nil else { return nil }
            guard let file = SharedLimitFile.defaultPath(host: host, plan: plan, environment: ProcessInfo.processInfo.environment) else {
                warn("b24lua: the shared rate limit is off (no state directory: set HOME or XDG_STATE_HOME); this process keeps its own")
                return nil
            }
            return file
        }
        let notice = quiet ? nil : retryNotice
        switch settings.target {
        case .none(let configFile, let found):
            let looked = found ? "\(configFile) has no default_profile" : "no config file at \(configFile)"
            return PortalConnection(client: nil, sandbox: nil, unavailable: .configError(
                "no portal configured (\(looked)): use --sandbox, --webhook URL, --webhook-file FILE, --profile NAME, "
                + "B24_WEBHOOK_URL, OAuth variables or a profile in that file"))
        case .sandbox(let fixture):
            var dataSet = SandboxDataSet.default
            if let fixture {
                guard let data = FileManager.default.contents(atPath: fixture) else {
                    throw .configError("cannot read sandbox fixture \(fixture)")
                }
                do { dataSet = try SandboxDataSet(fixture: try JSONValue.parse(Array(data))) } catch {
                    throw .configError("sandbox fixture \(fixture): \(error)")
                }
            }
            var options: SandboxOptions
            do { options = try SandboxOptions().applying(fixtureLimits: dataSet.limits) } catch {
                throw .configError("sandbox fixture \(fixture ?? "default"): \(error)")
            }
            if let plan = settings.plan {
                // A preset as the sandbox's preset; any other plan by its figures.
                if let preset = SandboxOptions.Plan.allCases.first(where: { $0.limits == plan }) {
                    options.plan = preset
                    options.rate = nil
                    options.burst = nil
                } else if let rate = plan.drainPerSecond {
                    options.rate = rate
                    options.burst = plan.burst
                }
            }
            let portal = SandboxPortal(dataSet: dataSet, options: options)
            let hook = portal.defaultWebhook
            let config = try PortalConfig.webhook("https://\(portal.portalHost)/rest/\(hook.user)/\(hook.code)/")
            let plan: RateLimitPlan = options.effectiveRate.isFinite
                ? .custom(rate: options.effectiveRate, burst: options.effectiveBurst) : .unlimited
            let client = B24Client(portal: config, transport: InProcessTransport(handler: portal), plan: plan,
                                   logger: logger, retryNotice: notice)
            return PortalConnection(client: client, sandbox: portal, unavailable: nil, identity: sandboxIdentity(portal))
        case .webhook(let url):
            let config = try PortalConfig.webhook(url)
            let plan = plan(settings)
            return PortalConnection(client: B24Client(portal: config, plan: plan, logger: logger,
                                                      sharedLimit: shared(config.endpoint.origin, plan), warn: warn,
                                                      retryNotice: notice),
                                    sandbox: nil, unavailable: nil, identity: config.endpoint.identity)
        case .oauth(let portal, let clientId, let clientSecret, let access, let refresh, let oauthURL, let profile):
            // The pair given may have been rotated by an earlier run: the cache, when it comes
            // from the same given pair, is the current one (docs/shared-limit.md, "Tokens").
            var credentials = try OAuthCredentials(
                portal: portal, accessToken: access, refreshToken: refresh, clientId: clientId,
                clientSecret: clientSecret, oauthURL: oauthURL,
                onTokensRefreshed: { tokens in
                    guard let profile else { return }
                    do { try ConfigFile.storeTokens(tokens, profile: profile.name, path: profile.path) } catch {
                        warn("b24lua: cannot save the refreshed tokens in \(profile.path): \(error)")
                    }
                })
            if let directory = StateDirectory.state(environment: ProcessInfo.processInfo.environment) {
                let tokenFile = TokenFile(directory: directory, origin: credentials.endpoint.origin, clientId: clientId,
                                          seed: refresh)
                if let current = tokenFile.load() { credentials.tokens = current }
                credentials.tokenFile = tokenFile
            }
            let plan = plan(settings)
            return PortalConnection(client: B24Client(portal: .oauth(credentials), plan: plan, logger: logger,
                                                      sharedLimit: shared(credentials.endpoint.origin, plan), warn: warn,
                                                      retryNotice: notice),
                                    sandbox: nil, unavailable: nil, identity: credentials.endpoint.identity)
        }
    }

    /// A retry wait's line on stderr. On a terminal a progress bar may be drawn on the current
    /// line (`\r`, no newline: prelude.lua): the line is cleared first, and the bar is drawn
    /// again below the notice at its next step.
    static let retryNotice: @Sendable (String) -> Void = { line in
        let clear = isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" : ""
        // It quotes the portal's (or a proxy's) error text: control characters are shown escaped
        // (TerminalText), so an answer can neither drive the terminal nor split the line.
        StandardError.write(clear + "b24lua: " + TerminalText.escaped(Redaction.redact(line)) + "\n")
    }

    private static func plan(_ settings: PortalSettings) -> RateLimitPlan {
        settings.plan ?? .standard
    }

    /// The request log: one line per request on stderr with --verbose. The client redacts its
    /// lines already; the handler redacts again whatever reaches it, metadata included, so no
    /// log line can bypass the one redaction (README "Logging and secrets").
    public static func makeLogger(verbose: Bool) -> Logger {
        var logger = Logger(label: "b24") { label in RedactingLogHandler(StreamLogHandler.standardError(label: label)) }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }

    /// Shuts the HTTP client down, waiting on `executor` (the Lua thread's, so that what is
    /// still queued there runs meanwhile), else on an executor of the calling thread's own.
    public func shutdown(on executor: ThreadExecutor? = nil) {
        guard let client else { return }
        let op: @Sendable () async -> Void = { await client.shutdown() }
        if let executor { _ = executor.block(on: op) } else { ThreadExecutor.run(op) }
    }
}

/// A log handler that passes every message and metadata value through `Redaction.redact`.
struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler

    init(_ inner: any LogHandler) { self.inner = inner }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let clean = metadata.map { $0.mapValues { Logger.Metadata.Value.string(Redaction.redact("\($0)")) } }
        inner.log(level: level, message: Logger.Message(stringLiteral: Redaction.redact(message.description)),
                  metadata: clean, source: source, file: file, function: function, line: line)
    }
}
