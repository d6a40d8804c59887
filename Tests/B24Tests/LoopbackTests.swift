import Testing
@testable import B24

/// Plain http only to loopback (README "The REST client"): decided by parsing the host as an
/// IP address or the exact name `localhost`, never by comparing text.
@Suite struct LoopbackTests {
    @Test(arguments: [
        "http://127.0.0.1/rest/1/abc123/", "http://127.0.0.1:8024/rest/1/abc123/", "http://127.255.255.254/rest/1/abc123/",
        "http://127.0.0.0/rest/1/abc123/", "http://localhost/rest/1/abc123/", "http://LOCALHOST:9/rest/1/abc123/",
        "http://[::1]/rest/1/abc123/", "http://[::1]:8024/rest/1/abc123/", "http://[0:0:0:0:0:0:0:1]/rest/1/abc123/",
        "http://[0000:0000:0000:0000:0000:0000:0000:0001]:80/rest/1/abc123/", "http://[::0:1]/rest/1/abc123/",
    ])
    func loopbackAccepted(_ url: String) throws {
        let config = try PortalConfig.webhook(url)
        #expect(config.endpoint.scheme == "http")
        #expect(config.endpoint.isLoopback)
    }

    @Test(arguments: [
        // Names that start like a loopback address but resolve anywhere.
        "http://127.0.0.1.nip.io/rest/1/abc123/", "http://127.0.0.1.evil.example/rest/1/abc123/", "http://127.evil/rest/1/abc123/",
        // Forms the resolver would take as 127.0.0.1 but that are not canonical addresses.
        "http://127.1/rest/1/abc123/", "http://0x7f.0.0.1/rest/1/abc123/", "http://0177.0.0.1/rest/1/abc123/",
        "http://2130706433/rest/1/abc123/", "http://127.0.0.1./rest/1/abc123/", "http://127.000.000.001/rest/1/abc123/",
        // Not exactly localhost.
        "http://localhost./rest/1/abc123/", "http://localhost.evil/rest/1/abc123/", "http://evil.localhost/rest/1/abc123/",
        "http://localhost-evil/rest/1/abc123/", "http://xlocalhost/rest/1/abc123/",
        // User info in either direction, and characters the HTTP layer might read otherwise.
        "http://127.0.0.1@evil/rest/1/abc123/", "http://evil@127.0.0.1/rest/1/abc123/", "http://127.0.0.1:80@evil/rest/1/abc123/",
        "http://127.0.0.1\\@evil/rest/1/abc123/", "http://127.0.0.1\\.evil/rest/1/abc123/", "http://127.0.0.1%2eevil/rest/1/abc123/",
        "http://127.0.0.1%00/rest/1/abc123/", "http://127.0.0.1 .evil/rest/1/abc123/",
        // Other addresses, IPv4 in brackets, mapped and scoped IPv6.
        "http://128.0.0.1/rest/1/abc123/", "http://126.255.255.255/rest/1/abc123/", "http://0.0.0.0/rest/1/abc123/",
        "http://[::2]/rest/1/abc123/", "http://[::]/rest/1/abc123/", "http://[127.0.0.1]/rest/1/abc123/",
        "http://[::ffff:127.0.0.1]/rest/1/abc123/", "http://[::1%25lo]/rest/1/abc123/", "http://[::1]x/rest/1/abc123/",
        "http://[::1/rest/1/abc123/", "http://::1/rest/1/abc123/", "http://10.0.0.1/rest/1/abc123/",
    ])
    func everythingElseRefused(_ url: String) {
        do {
            _ = try PortalConfig.webhook(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.code == "CONFIG_ERROR", "\(url)")
            #expect(!error.description.contains("abc123"), "\(url): \(error.description)")
        }
    }

    @Test func theSameRuleForOAuthPortalsAndTokenServers() {
        #expect(throws: B24Error.self) {
            try OAuthCredentials(portal: "http://127.0.0.1.nip.io", accessToken: "a", refreshToken: "r", clientId: "c", clientSecret: "s")
        }
        #expect(throws: B24Error.self) {
            try OAuthCredentials(portal: "https://x.bitrix24.ru", accessToken: "a", refreshToken: "r", clientId: "c", clientSecret: "s",
                                 oauthURL: "http://localhost.evil/oauth/token/")
        }
        #expect(throws: Never.self) {
            try OAuthCredentials(portal: "http://[::1]:8024", accessToken: "a", refreshToken: "r", clientId: "c", clientSecret: "s",
                                 oauthURL: "http://127.0.0.1:8024/oauth/token/")
        }
    }

    @Test func httpsMayGoAnywhereButStillNeedsAPlausibleHost() throws {
        #expect(try PortalConfig.webhook("https://127.0.0.1.nip.io/rest/1/abc123/").host == "127.0.0.1.nip.io")
        #expect(throws: B24Error.self) { try PortalConfig.webhook("https://x\\y.bitrix24.ru/rest/1/abc123/") }
    }
}
