// One HTTP exchange as plain values, so the same encoding and decoding serve both paths: the
// socket transport and the in-process sandbox (which implements `WireHandler`).

public struct WireRequest: Sendable, Equatable {
    public var method: String          // "GET", "POST"
    public var path: String            // "/rest/1/code/user.get.json", without the query
    public var query: String           // raw query string without "?", "" when none
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// True when the peer is on loopback (or in-process): the sandbox's test hooks answer only then.
    public var fromLoopback: Bool

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], fromLoopback: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.fromLoopback = fromLoopback
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func == (a: WireRequest, b: WireRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.body == b.body
            && a.fromLoopback == b.fromLoopback
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }
}

public struct WireResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The sandbox's simulated "connection dropped" fault: the server closes without answering.
    public var dropConnection: Bool

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                dropConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.dropConnection = dropConnection
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func == (a: WireResponse, b: WireResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.dropConnection == b.dropConnection
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }
}

/// Anything that answers wire requests without a socket: the sandbox portal, in-process.
public protocol WireHandler: Sendable {
    func handle(_ request: WireRequest) async -> WireResponse
}
