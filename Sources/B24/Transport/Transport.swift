import B24Wire

// One HTTP exchange, by socket or in-process. Both paths take the same `WireRequest` the client
// encoded and return the `WireResponse` it will decode, so the sandbox in-process is tested
// through exactly the code a real portal sees.

public protocol Transport: Sendable {
    /// Sends `request` to `endpoint`. Throws only NETWORK_ERROR or TIMEOUT, saying whether the
    /// request may have arrived (`requestMayHaveArrived`).
    func send(_ request: WireRequest, to endpoint: Endpoint, timeout: Duration) async throws(B24Error) -> WireResponse
    func shutdown() async
    /// The far end takes JSON bodies as values (`WireRequest.json`): an in-process sandbox.
    var carriesValues: Bool { get }
}

extension Transport {
    public var carriesValues: Bool { false }
}

/// Hands requests to a `WireHandler` (the sandbox portal) without a socket.
public struct InProcessTransport: Transport {
    public let handler: any WireHandler

    public let carriesValues: Bool

    public init(handler: any WireHandler) {
        self.handler = handler
        carriesValues = handler.acceptsValues
    }

    public func send(_ request: WireRequest, to endpoint: Endpoint, timeout: Duration) async throws(B24Error) -> WireResponse {
        let response = await handler.handle(request)
        // The handler's simulated dropped connection looks as a real one does: no answer, and
        // the request may have been applied.
        if response.dropConnection { throw .networkError("connection closed before an answer arrived", sent: true) }
        return response
    }

    public func shutdown() async {}
}
