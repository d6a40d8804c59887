import B24
import Hummingbird
import Logging
import NIOCore

/// The sandbox over HTTP: Hummingbird 2 in front of `SandboxPortal.handle`.
public enum SandboxServer {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds `host:port` (port 0 picks a free one) and returns once the server accepts connections.
    public static func start(portal: SandboxPortal, host: String = "127.0.0.1", port: Int = 0) async throws
        -> RunningSandbox
    {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "b24lua.sandbox")
        logger.logLevel = .error
        let maxBody = portal.options.maxBodyBytes
        let responder = CallbackResponder<SandboxRequestContext> { request, context in
            try await respond(portal, request, context, maxBody: maxBody)
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            do { try await task.value } catch { throw error }
            throw StartError(description: "the sandbox server stopped before it started")
        }
        return RunningSandbox(host: host, port: bound, webhook: portal.defaultWebhook, task: task)
    }

    static func respond(_ portal: SandboxPortal, _ request: Request, _ context: SandboxRequestContext,
                        maxBody: Int) async throws -> Response {
        var wire = WireRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                               headers: request.headers.map { ($0.name.rawName, $0.value) },
                               fromLoopback: context.peerIsLoopback)
        do {
            let buffer = try await request.body.collect(upTo: maxBody)
            wire.body = Array(buffer.readableBytesView)
        } catch {
            return response(Respond.error(.bodyTooLarge))
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

    init(host: String, port: Int, webhook: (user: Int64, code: String), task: Task<Void, any Error>) {
        self.port = port
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
