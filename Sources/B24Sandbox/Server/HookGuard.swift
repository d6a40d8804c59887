/// Who may use the `/_sandbox/*` hooks (docs/sandbox-wire.md). On a loopback bind, loopback
/// peers. On any other bind, only requests carrying the token printed at start: a proxy on the
/// same machine would make remote callers look local, so the peer address alone proves nothing.
struct HookGuard: Sendable {
    let token: String?

    func admits(peerIsLoopback: Bool, token offered: String?) -> Bool {
        guard let token else { return peerIsLoopback }
        guard let offered else { return false }
        return Self.constantTimeEqual(Array(offered.utf8), Array(token.utf8))
    }

    static func isLoopback(host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let s = String(g.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
