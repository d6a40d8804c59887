import Testing
@testable import B24

@Suite struct RedactionTests {
    @Test func masksTheWebhookCodeSegment() {
        #expect(Redaction.redact("https://x.bitrix24.ru/rest/1/ab12cd34ef/user.get") == "https://x.bitrix24.ru/rest/1/***/user.get")
        #expect(Redaction.redact("POST /rest/17/zzzz") == "POST /rest/17/***")
        // OAuth paths carry no code.
        #expect(Redaction.redact("/rest/user.get") == "/rest/user.get")
    }

    @Test func masksAuthQueryAndJSONValues() {
        let q = Redaction.redact("/oauth/token/?grant_type=refresh_token&client_id=app.1&client_secret=S&refresh_token=R1")
        #expect(q == "/oauth/token/?grant_type=refresh_token&client_id=app.1&client_secret=***&refresh_token=***")
        #expect(Redaction.redact(#"{"auth":"tok","x":1}"#) == #"{"auth":"***","x":1}"#)
        #expect(Redaction.redact("auth=abc&access_token=def") == "auth=***&access_token=***")
    }

    @Test func masksRegisteredSecretsAnywhere() {
        Redaction.register("Zq9-secret-value-77")
        #expect(Redaction.redact("token Zq9-secret-value-77 leaked") == "token *** leaked")
        // Too short to mask safely.
        Redaction.register("42")
        #expect(Redaction.redact("user 42") == "user 42")
    }

    @Test func errorsAreRedactedWhenBuilt() {
        let e = B24Error.configError("bad URL https://h/rest/1/code123/")
        #expect(!e.description.contains("code123"))
    }
}
