// Where requests go: scheme, host, port and the path prefix in front of `/rest/` (on-premise
// portals may live below a folder). Parsed by hand: the rules (http only on loopback, no user
// info) are ours, and the printable form must never carry a secret.

public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String   // "https" or "http"
    public var host: String     // "example.bitrix24.ru", "127.0.0.1", "::1"
    public var port: Int?
    public var basePath: String // "" or "/folder", without a trailing slash

    public init(scheme: String, host: String, port: Int? = nil, basePath: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// `https://host[:port]`
    public var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(h)" + (port.map { ":\($0)" } ?? "")
    }

    public var description: String { origin + basePath }

    public var isLoopback: Bool {
        let h = host.lowercased()
        return h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || h.hasPrefix("127.")
    }

    /// Splits `scheme://host[:port]/path?query` and applies the transport rules. Returns the
    /// endpoint (basePath empty) and the path and query.
    static func parse(_ text: String) throws(B24Error) -> (Endpoint, path: String, query: String) {
        let trimmed = text.trimmingCharacters(in: " ")
        let parts = trimmed.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .configError("not a URL (no scheme): \(Redaction.redact(trimmed))")
        }
        let scheme = parts[0].lowercased()
        var rest = parts[1]
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        if let f = rest.firstIndex(of: "#") { rest = rest[..<f] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = String(rest[authorityEnd...])
        guard !authority.contains("@") else {
            throw .configError("user info in the URL is not supported: \(Redaction.redact(trimmed))")
        }
        var host = Substring(authority)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .configError("bad IPv6 host in \(Redaction.redact(trimmed))") }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ; if port == nil { throw .configError("bad port in \(Redaction.redact(trimmed))") } }
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw .configError("bad port in \(Redaction.redact(trimmed))")
            }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .configError("no host in \(Redaction.redact(trimmed))") }
        let endpoint = Endpoint(scheme: scheme, host: host.lowercased(), port: port)
        guard scheme == "https" || scheme == "http" else {
            throw .configError("unsupported scheme '\(scheme)': use https://")
        }
        if scheme == "http" && !endpoint.isLoopback {
            throw .configError("plain http:// is allowed only to loopback hosts; use https://\(endpoint.host)")
        }
        return (endpoint, path, query)
    }
}
