import B24Wire
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore

/// The sandbox over HTTP: Hummingbird 2 in front of `SandboxPortal.handle`.
public enum SandboxServer {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
        /// The address could not be bound because something else holds it.
        public var addressInUse = false
    }

    /// A connection that sends nothing for this long is closed; a request body must arrive
    /// within `bodyTimeout` (docs/sandbox-wire.md: every request has a time bound).
    public static let idleTimeout: TimeAmount = .seconds(30)
    public static let bodyTimeout: Duration = .seconds(30)
    /// The header a hook request carries when the server is not bound to loopback.
    public static let hooksTokenHeader = "X-B24-Sandbox-Token"

    /// Binds `host:port` (port 0 picks a free one) and returns once the server accepts connections.
    /// Bound to anything but loopback, the `/_sandbox/*` hooks ask for `hooksToken` (random unless given).
    /// With `ownThread`, the handlers run on a thread of the server's own instead of Swift's
    /// cooperative pool (docs/testing.md: a test process whose pool is busy).
    public static func start(portal: SandboxPortal, host: String = "127.0.0.1", port: Int = 0,
                             hooksToken: String? = nil, ownThread: Bool = false) async throws -> RunningSandbox
    {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "b24lua.sandbox")
        logger.logLevel = .critical   // shutdown by cancellation is logged as an error
        let maxBody = portal.options.maxBodyBytes
        let token = HookGuard.isLoopback(host: host) ? hooksToken : (hooksToken ?? HookGuard.randomToken())
        let hooks = HookGuard(token: token)
        let responder = CallbackResponder<SandboxRequestContext> { request, context in
            try await respond(portal, request, context, maxBody: maxBody, hooks: hooks)
        }
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger
        )
        let run: @Sendable () async throws -> Void = {
            defer { continuation.finish() }
            try await app.run()
        }
        let task: Task<Void, any Error>
        if ownThread {
            // The server's thread waits for the server, running its handlers meanwhile, and lets
            // go once it is down: a late job (a continuation resumed after) runs on the
            // executor's own thread (docs/architecture.md, rule 3).
            let executor = ThreadExecutor()
            let served = Task(executorPreference: executor, operation: run)
            task = served
            let started = SystemThread.start {
                _ = executor.block(on: { _ = await served.result })
                executor.release()
            }
            if !started { executor.release() }
        } else {
            task = Task(operation: run)
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            do { try await task.value } catch let error as IOError where error.errnoCode == EADDRINUSE {
                throw StartError(description: "port \(port) on \(host) is already in use", addressInUse: true)
            } catch { throw error }
            throw StartError(description: "the sandbox server stopped before it started")
        }
        return RunningSandbox(host: host, port: bound, webhook: portal.defaultWebhook, hooksToken: token, task: task)
    }

    static func respond(_ portal: SandboxPortal, _ request: Request, _ context: SandboxRequestContext,
                        maxBody: Int, hooks: HookGuard) async throws -> Response {
        let path = request.uri.path
        var trusted = context.peerIsLoopback
        if path.hasPrefix("/_sandbox/") {
            trusted = hooks.admits(peerIsLoopback: context.peerIsLoopback,
                                   token: request.headers[HTTPFields.Element.Name(hooksTokenHeader)!])
        }
        var wire = WireRequest(method: request.method.rawValue, path: path, query: request.uri.query ?? "",
                               headers: request.headers.map { ($0.name.rawName, $0.value) },
                               fromLoopback: trusted)
        switch await collectBody(request.body, upTo: maxBody) {
        case .success(let buffer): wire.body = Array(buffer.readableBytesView)
        case .failure(let error): return response(Respond.error(error))
        }
        if wire.header("Host") == nil, let host = request.head.authority { wire.headers.append(("Host", host)) }
        let answer = await portal.handle(wire)
        if answer.dropConnection {
            // Close without a status line, as a proxy or crashed worker would.
            try? await context.channel.close(mode: .all)
            throw DroppedConnection()
        }
        return response(answer)
    }

    struct DroppedConnection: Error {}

    /// The body, or 413 past the limit, or 408 when it does not arrive within `bodyTimeout`.
    static func collectBody(_ body: RequestBody, upTo maxBody: Int) async -> Result<ByteBuffer, PortalError> {
        await withTaskGroup(of: Result<ByteBuffer, PortalError>?.self) { group in
            group.addTask {
                do { return .success(try await body.collect(upTo: maxBody)) } catch is NIOTooManyBytesError {
                    return .failure(.bodyTooLarge)
                } catch {
                    return .failure(Task.isCancelled ? .requestTimeout : .bodyUnreadable)
                }
            }
            group.addTask {
                try? await Task.sleep(for: bodyTimeout)
                return Task.isCancelled ? nil : .failure(.requestTimeout)
            }
            var first: Result<ByteBuffer, PortalError>?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .failure(.requestTimeout)
        }
    }

    static func response(_ wire: WireResponse) -> Response {
        var fields = HTTPFields()
        for h in wire.headers {
            if let name = HTTPFields.Element.Name(h.name) { fields[name] = h.value }
        }
        return Response(status: .init(code: wire.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: wire.body)))
    }
}

/// A started sandbox server.
public final class RunningSandbox: Sendable {
    public let port: Int
    /// `http://127.0.0.1:PORT`
    public let baseURL: String
    /// `http://127.0.0.1:PORT/rest/USER/CODE/`, the data set's first webhook.
    public let webhookURL: String
    let task: Task<Void, any Error>

    /// The token the `/_sandbox/*` hooks ask for (header `X-B24-Sandbox-Token`); nil on loopback.
    public let hooksToken: String?

    init(host: String, port: Int, webhook: (user: Int64, code: String), hooksToken: String?,
         task: Task<Void, any Error>) {
        self.port = port
        self.hooksToken = hooksToken
        let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
        baseURL = "http://\(shown):\(port)"
        webhookURL = "\(baseURL)/rest/\(webhook.user)/\(webhook.code)/"
        self.task = task
    }

    /// Stops accepting, finishes the requests in flight and returns when the server is down.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
