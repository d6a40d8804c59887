// One HTTP exchange as plain values, so the same encoding and decoding serve both paths: the
// socket transport and the in-process sandbox (which implements `WireHandler`). In-process, a
// handler that says so (`acceptsValues`) takes the JSON body as the value it would encode and
// answers with the value it would serialise: the same request, routing, checks and envelope,
// without a JSON round trip on each side (docs/performance.md).

public struct WireRequest: Sendable, Equatable {
    public var method: String          // "GET", "POST"
    public var path: String            // "/rest/1/code/user.get.json", without the query
    public var query: String           // raw query string without "?", "" when none
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// In-process only: the JSON body as a value, not encoded (`body` is then empty).
    public var json: JSONValue?
    /// True when the peer is on loopback (or in-process): the sandbox's test hooks answer only then.
    public var fromLoopback: Bool

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], json: JSONValue? = nil, fromLoopback: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.json = json
        self.fromLoopback = fromLoopback
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func == (a: WireRequest, b: WireRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.body == b.body && a.json == b.json
            && a.fromLoopback == b.fromLoopback
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }
}

public struct WireResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// In-process only, answering a request that carried `json`: the JSON body as a value, not
    /// serialised (`body` is then empty).
    public var json: JSONValue?
    /// The sandbox's simulated "connection dropped" fault: the server closes without answering.
    public var dropConnection: Bool

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                json: JSONValue? = nil, dropConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.json = json
        self.dropConnection = dropConnection
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func == (a: WireResponse, b: WireResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.json == b.json && a.dropConnection == b.dropConnection
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }
}

/// Anything that answers wire requests without a socket: the sandbox portal, in-process.
public protocol WireHandler: Sendable {
    func handle(_ request: WireRequest) async -> WireResponse
    /// Takes a request's JSON body as a value (`WireRequest.json`) and may answer with one.
    var acceptsValues: Bool { get }
}

extension WireHandler {
    public var acceptsValues: Bool { false }
}
