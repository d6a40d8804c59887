// Where requests go: scheme, host, port and the path prefix in front of `/rest/` (on-premise
// portals may live below a folder). Parsed by hand: the rules (http only on loopback, no user
// info) are ours, and the printable form must never carry a secret.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String   // "https" or "http"
    public var host: String {   // "example.bitrix24.ru", "127.0.0.1", "::1"
        didSet { isLoopback = Self.isLoopback(host: host) }
    }
    public var port: Int?
    public var basePath: String // "" or "/folder", without a trailing slash
    /// Decided once per host: every request carries it (`WireRequest.fromLoopback`).
    public private(set) var isLoopback: Bool

    public init(scheme: String, host: String, port: Int? = nil, basePath: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
        isLoopback = Self.isLoopback(host: host)
    }

    /// `https://host[:port]`
    public var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(h)" + (port.map { ":\($0)" } ?? "")
    }

    public var description: String { origin + basePath }

    /// `https://host:443[/folder]`: the portal as a journal names it (docs/journal.md), the port
    /// always spelled and the host in lower case without a trailing dot, so two spellings of one
    /// portal are equal and two portals on one host (other ports, other folders) are not. Never
    /// a secret.
    public var identity: String {
        var h = host.lowercased()
        // `host.` is the absolute spelling of `host`: one portal.
        if h.count > 1, h.hasSuffix("."), !h.contains(":") { h.removeLast() }
        let shown = h.contains(":") ? "[\(h)]" : h
        let p = port ?? (scheme == "http" ? 80 : 443)
        return "\(scheme)://\(shown):\(p)" + basePath
    }

    /// Plain http is allowed only here (README "The REST client"): the exact name `localhost`,
    /// or a host that parses as an IP address in 127.0.0.0/8 or `::1`. Parsed with inet_pton,
    /// which takes only the canonical forms: `127.1`, `0x7f.0.0.1`, `127.0.0.1.` and names that
    /// merely start with `127.` (`127.0.0.1.nip.io`) are not loopback addresses to it.
    public static func isLoopback(host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }

    /// A host name is letters, digits, `-`, `_` and `.`; an IPv6 literal (inside brackets) is
    /// hex digits, `:` and `.`. Anything else (`\`, `%`, spaces, controls) could be read
    /// differently by the HTTP layer than by the checks here.
    static func isPlausibleHost(_ host: Substring, bracketed: Bool) -> Bool {
        if bracketed { return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        return host.allSatisfy { ($0.isLetter || $0.isNumber) && !$0.isWhitespace || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Splits `scheme://host[:port]/path?query` and applies the transport rules. Returns the
    /// endpoint (basePath empty) and the path and query.
    static func parse(_ text: String) throws(B24Error) -> (Endpoint, path: String, query: String) {
        let trimmed = text.trimmingCharacters(in: " ")
        let parts = trimmed.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .configError("not a URL (no scheme): \(Redaction.redact(url: trimmed))")
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
            throw .configError("user info in the URL is not supported: \(Redaction.redact(url: trimmed))")
        }
        var host = Substring(authority)
        var port: Int?
        let bracketed = host.hasPrefix("[")
        if bracketed {
            guard let close = host.firstIndex(of: "]") else { throw .configError("bad IPv6 host in \(Redaction.redact(url: trimmed))") }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw .configError("bad port in \(Redaction.redact(url: trimmed))")
                }
                port = p
            } else if !after.isEmpty {
                throw .configError("bad IPv6 host in \(Redaction.redact(url: trimmed))")
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw .configError("bad port in \(Redaction.redact(url: trimmed))")
            }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .configError("no host in \(Redaction.redact(url: trimmed))") }
        guard Self.isPlausibleHost(host, bracketed: bracketed), !bracketed || host.contains(":") else {
            throw .configError("bad host in \(Redaction.redact(url: trimmed))")
        }
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
