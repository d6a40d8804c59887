// The socket transport over AsyncHTTPClient: pooled keep-alive connections (sequential calls
// reuse one), a connect timeout and a per-request deadline, redirects off (a moved portal must
// be noticed, not followed with the secret in the path).
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

public final class HTTPTransport: Transport {
    public static let userAgent = "b24lua/0.1 (AsyncHTTPClient)"
    /// Bodies above this are not a REST answer we can use.
    static let maxBody = 64 << 20

    let client: HTTPClient

    public init(connectTimeout: Duration = .seconds(10), maxConnectionsPerHost: Int = 8) {
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(connectTimeout.nanoseconds)),
            connectionPool: .init(idleTimeout: .seconds(50), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
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
        do {
            let response = try await client.execute(req, timeout: .nanoseconds(timeout.nanoseconds))
            let body: ByteBuffer
            do { body = try await response.body.collect(upTo: Self.maxBody) } catch is NIOTooManyBytesError {
                // No REST answer is this big: a proxy or a broken portal, not a network fault.
                throw B24Error.badResponse("the answer is larger than \(Self.maxBody >> 20) MiB",
                                           status: Int(response.status.code))
            }
            return WireResponse(status: Int(response.status.code),
                                headers: response.headers.map { (name: $0.name, value: $0.value) },
                                body: Array(body.readableBytesView))
        } catch {
            throw Self.classify(error)
        }
    }

    /// AHC and NIO errors as NETWORK_ERROR / TIMEOUT. Only failures before a connection existed
    /// prove the request never left; anything later may have reached the portal.
    static func classify(_ error: any Error) -> B24Error {
        if let e = error as? B24Error { return e }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout,
                 .socksHandshakeTimeout:
                return .timeout("could not connect in time (\(e.shortDescription))", sent: false)
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
        // NIOPosix's NIOConnectionError (all connect attempts failed), named without importing NIOPosix.
        if String(describing: type(of: error)) == "NIOConnectionError" {
            return .networkError("could not connect (\(Redaction.redact(String(describing: error))))", sent: false)
        }
        if let e = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(e.errnoCode) {
            return .networkError("could not connect (\(Redaction.redact(String(describing: e))))", sent: false)
        }
        if error is CancellationError {
            return .networkError("cancelled", sent: true)
        }
        return .networkError("connection failed (\(Redaction.redact(String(describing: error))))", sent: true)
    }
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
