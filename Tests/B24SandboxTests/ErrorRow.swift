import B24
import B24Wire
import B24Sandbox
import Testing

/// One row of an error table of docs/bitrix24-rest.md (§1, §3): the call, and the answer it must get.
struct ErrorRow: Sendable, CustomTestStringConvertible {
    var name: String
    var method = DeleteErrorTests.method
    var params: JSONValue
    var status: Int
    var code: String
    var message: String
    var user: Int64 = 1
    var hook = SandboxDataSet.defaultWebhookCode
    var testDescription: String { name }
}
