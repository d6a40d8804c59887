import Testing
@testable import B24
@testable import B24Wire

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

    @Test func masksUserInfoAndCodesWithDots() {
        #expect(Redaction.redact("see https://admin:hunter2pw@x.bitrix24.ru/rest/") == "see https://***@x.bitrix24.ru/rest/")
        #expect(Redaction.redact("https://x/rest/1/ab.cd.ef/user.get") == "https://x/rest/1/***/user.get")
        #expect(Redaction.redact("https://x/rest/1/user.get") == "https://x/rest/1/user.get")
    }

    /// A URL that failed to parse: whatever was wrong with it, the code is not shown.
    @Test(arguments: [
        ("https://x.bitrix24.ru/rest/one/S3CRETcode/", "https://x.bitrix24.ru/rest/***/***/"),
        ("https://x.bitrix24.ru/rest/1/S3CRET.code/", "https://x.bitrix24.ru/rest/1/***/"),
        ("https://x.bitrix24.ru/S3CRETcode/", "https://x.bitrix24.ru/***/"),
        ("https://user:S3CRETcode@x.bitrix24.ru/rest/1/a/", "https://***@x.bitrix24.ru/rest/1/***/"),
        ("https://x.bitrix24.ru/rest/1/S3CRETcode/?auth=S3CRETcode", "https://x.bitrix24.ru/rest/1/***/?***"),
        ("x.bitrix24.ru/rest/1/S3CRETcode/", "x.bitrix24.ru/rest/1/***/"),
        ("S3CRETcode", "***"),
        ("S3CRETcode/rest/1/x", "***/…"),
        ("https://x:99999/rest/S3CRETcode/1/", "https://x:99999/rest/***/***/"),
    ])
    func urlsThatFailedToParse(_ url: String, _ shown: String) {
        #expect(Redaction.redact(url: url) == shown)
        #expect(!Redaction.redact(url: url).contains("S3CRET"))
    }

    @Test func jsonValuesAreRedactedStringByString() {
        let v: JSONValue = ["auth": "tok-000", "client_secret": 12345678, "note": "from https://x/rest/1/SECRETcode1/",
                            "list": ["https://u:SECRETpass@h/"], "CRM_ENTITY": 1205, "null": .null]
        let r = Redaction.redact(json: v)
        let text = r.serialized()
        for secret in ["tok-000", "12345678", "SECRETcode1", "SECRETpass"] { #expect(!text.contains(secret), "\(text)") }
        #expect(r["CRM_ENTITY"] == 1205)
        #expect(r["note"] == "from https://x/rest/1/***/")
    }
}
