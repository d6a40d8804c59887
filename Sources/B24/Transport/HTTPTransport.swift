import B24Wire

// The socket transport over AsyncHTTPClient: pooled keep-alive connections (sequential calls
// reuse one), a connect timeout and a per-request deadline, redirects off (a moved portal must
// be noticed, not followed with the secret in the path). A connection that cannot be made fails
// its request at once: the retry policy decides what to try again, and how soon
// (RetryPolicy.connectAttempts), instead of the pool retrying behind it until the timeout.
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

public final class HTTPTransport: Transport {
    public static let userAgent = "b24lua/0.1 (AsyncHTTPClient)"
    /// Bodies above this are not a REST answer we can use.
    static let maxBody = 64 << 20

    let client: HTTPClient

    /// A portal answers a connection in milliseconds; one that has not in this long is not
    /// there (a host that drops packets, a wrong address).
    public static let connectTimeout: Duration = .seconds(3)

    public init(connectTimeout: Duration = HTTPTransport.connectTimeout, maxConnectionsPerHost: Int = 8) {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(50),
                                                           concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        pool.retryConnectionEstablishment = false
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(connectTimeout.nanoseconds)),
            connectionPool: pool
        )
        config.httpVersion = .automatic
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: WireRequest, to endpoint: Endpoint, timeout: Duration) async throws(B24Error) -> WireResponse {
        var url = endpoint.origin + request.path
        if !request.query.isEmpty { url += "?" + request.query }
        var req = HTTPClientRequest(url: url)
        req.method = HTTPMethod(rawValue: request.method)
        for h in request.headers { req.headers.add(name: h.name, value: h.value) }
        if !req.headers.contains(name: "User-Agent") { req.headers.add(name: "User-Agent", value: Self.userAgent) }
        if !request.body.isEmpty { req.body = .bytes(ByteBuffer(bytes: request.body)) }
        // One deadline for the whole answer: AsyncHTTPClient's ends with the head, and a body
        // sent a byte at a time would hold the call for as long as the sender likes.
        let deadline = ContinuousClock.now + timeout
        do {
            let response = try await client.execute(req, timeout: .nanoseconds(timeout.nanoseconds))
            let body: ByteBuffer
            do { body = try await Self.collect(response.body, by: deadline) } catch is NIOTooManyBytesError {
                // No REST answer is this big: a proxy or a broken portal, not a network fault.
                throw B24Error.badResponse("the answer is larger than \(Self.maxBody >> 20) MiB",
                                           status: Int(response.status.code))
            }
            return WireResponse(status: Int(response.status.code),
                                headers: response.headers.map { (name: $0.name, value: $0.value) },
                                body: Array(body.readableBytesView))
        } catch {
            throw Self.classify(error, origin: endpoint.origin)
        }
    }

    /// The body, up to `maxBody`, unless `deadline` passes first: then the read is cancelled
    /// (AsyncHTTPClient closes the connection) and the request fails as a timeout after sending.
    static func collect(_ body: HTTPClientResponse.Body, by deadline: ContinuousClock.Instant) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maxBody) }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else { throw HTTPClientError.deadlineExceeded }
            // A read cut off by a stop (Ctrl-C, `--timeout`) may end early: not an answer.
            try Task.checkCancellation()
            return buffer
        }
    }

    /// AHC and NIO errors as NETWORK_ERROR / TIMEOUT. Only failures before a connection existed
    /// prove the request never left; anything later may have reached the portal. Failures to
    /// connect name `origin` (scheme, host, port: no secret), the portal the user must check.
    static func classify(_ error: any Error, origin: String = "the portal") -> B24Error {
        if let e = error as? B24Error { return e }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout,
                 .socksHandshakeTimeout:
                return .timeout("could not connect to \(origin) in time (\(e.shortDescription))", sent: false)
            case .readTimeout, .deadlineExceeded, .writeTimeout:
                return .timeout("no answer in time (\(e.shortDescription))", sent: true)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .networkError("bad URL (\(e.shortDescription))", sent: false)
            case .alreadyShutdown:
                return .networkError("the client was shut down", sent: false)
            default:
                return .networkError("connection failed (\(e.shortDescription))", sent: true)
            }
        }
        if let e = error as? NIOConnectionError {
            return .networkError(Redaction.redact(couldNotConnect(e)), sent: false)
        }
        if let e = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(e.errnoCode) {
            return .networkError(Redaction.redact("could not connect to \(origin): \(errnoText(e.errnoCode))"), sent: false)
        }
        // A TLS handshake that failed (a certificate that does not validate): nothing was sent,
        // and trying again minutes long will not change the certificate. Named without
        // importing NIOSSL.
        if String(reflecting: type(of: error)).hasPrefix("NIOSSL.") {
            return .networkError(Redaction.redact("could not connect securely to \(origin) (\(error))"), sent: false)
        }
        if error is CancellationError {
            return .networkError("cancelled", sent: true)
        }
        return .networkError("connection failed (\(Redaction.redact(String(describing: error))))", sent: true)
    }
}

/// "could not connect to HOST:PORT: connection refused": what every try failed with, in a
/// few words (NIO's own description repeats the socket address and the errno for each).
func couldNotConnect(_ e: NIOConnectionError) -> String {
    let target = "\(e.host):\(e.port)"
    if let dns = e.dnsAError ?? e.dnsAAAAError {
        return "could not connect to \(target): its name does not resolve (\(dns))"
    }
    let reasons = e.connectionErrors.map { failure -> String in
        if let io = failure.error as? IOError { return errnoText(io.errnoCode) }
        return String(describing: failure.error)
    }
    var unique: [String] = []
    for r in reasons where !unique.contains(r) { unique.append(r) }
    return "could not connect to \(target): " + (unique.isEmpty ? "no address to try" : unique.joined(separator: "; "))
}

/// strerror's text, lower-cased as it reads inside a sentence ("connection refused").
func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
}

extension HTTPClientError {
    var shortDescription: String { Redaction.redact(String(describing: self)) }
}

extension Duration {
    /// Saturating: a Duration beyond ±292 years of nanoseconds becomes the largest one.
    var nanoseconds: Int64 {
        let c = components
        let (whole, overflow) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return c.seconds < 0 ? .min : .max }
        let (sum, overflow2) = whole.addingReportingOverflow(c.attoseconds / 1_000_000_000)
        return overflow2 ? (whole < 0 ? .min : .max) : sum
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
