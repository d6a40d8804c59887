import Testing
@testable import B24

@Suite struct PortalConfigTests {
    func webhook(_ s: String) throws(B24Error) -> Webhook {
        guard case .webhook(let w) = try PortalConfig.webhook(s) else { throw .configError("not a webhook") }
        return w
    }

    @Test func acceptedForms() throws {
        for s in ["https://x.bitrix24.ru/rest/1/abc123def/", "https://x.bitrix24.ru/rest/1/abc123def",
                  "https://x.bitrix24.ru/rest/1/abc123def/user.get.json", " https://X.Bitrix24.ru/rest/1/abc123def/ "] {
            let w = try webhook(s)
            #expect(w.endpoint.host == "x.bitrix24.ru")
            #expect(w.user == "1")
            #expect(w.code == "abc123def")
            #expect(w.pathPrefix == "/rest/1/abc123def/")
        }
        let local = try webhook("http://127.0.0.1:8080/rest/7/local-code/")
        #expect(local.endpoint.port == 8080)
        #expect(local.endpoint.scheme == "http")
        #expect(try webhook("http://[::1]:9/rest/1/abc/").endpoint.host == "::1")
        #expect(try webhook("https://corp.example/b24/rest/1/abc123/").pathPrefix == "/b24/rest/1/abc123/")
    }

    @Test func refusedForms() {
        for s in ["http://x.bitrix24.ru/rest/1/abc/", "ftp://x/rest/1/abc/", "https://x.bitrix24.ru/", "x.bitrix24.ru/rest/1/a/",
                  "https://x/rest/one/abc/", "https://user:pw@x/rest/1/abc/", "https://x:99999/rest/1/abc/"] {
            #expect(throws: B24Error.self, "\(s)") { try PortalConfig.webhook(s) }
            do { _ = try PortalConfig.webhook(s) } catch { #expect(error.code == "CONFIG_ERROR") }
        }
    }

    @Test func hostNeverCarriesTheCode() throws {
        let p = try PortalConfig.webhook("https://x.bitrix24.ru/rest/1/abc123def/")
        #expect(p.host == "x.bitrix24.ru")
        do { _ = try PortalConfig.webhook("http://x.bitrix24.ru/rest/1/sekrit777/") } catch {
            #expect(!error.description.contains("sekrit777"))
        }
    }

    @Test func oauth() throws {
        let o = try OAuthCredentials(portal: "x.bitrix24.ru", accessToken: "acc-000001", refreshToken: "ref-000001",
                                     clientId: "local.1", clientSecret: "secret-0001")
        #expect(o.endpoint.origin == "https://x.bitrix24.ru")
        #expect(o.oauthURL == OAuthCredentials.defaultOAuthURL)
        #expect(throws: B24Error.self) {
            try OAuthCredentials(portal: "http://x.bitrix24.ru", accessToken: "a", refreshToken: "r", clientId: "c",
                                 clientSecret: "s")
        }
        #expect(Redaction.redact("acc-000001") == "***")
    }
}
