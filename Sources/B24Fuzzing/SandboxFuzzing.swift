import B24
import B24Wire
import B24Sandbox

// The properties the sandbox's libFuzzer targets check (docs/sandbox-wire.md), in B24Fuzzing so
// the regression tests replay saved inputs through the same code. A broken property traps.

public enum _SandboxFuzzing {
    /// PHP query parsing never keeps more than PHP would, and encode(parse(x)) is a fixed point:
    /// parsing and encoding it again gives the same text.
    public static func phpQuery(_ data: [UInt8]) {
        let parsed = PHPQuery.parse(bytes: data)
        precondition(leaves(.object(parsed)) <= PHPQuery.maxVariables, "more fields than max_input_vars")
        precondition(depth(.object(parsed)) <= PHPQuery.maxNesting + 1, "nested deeper than max_input_nesting_level")
        let once = PHPQueryEncoder.encode(.object(parsed))
        let reparsed = PHPQuery.parse(once)
        let twice = PHPQueryEncoder.encode(.object(reparsed))
        precondition(once == twice, "encode(parse(x)) is not stable:\n\(once.prefix(300))\n\(twice.prefix(300))")
        precondition(PHPQuery.parse(twice) == reparsed, "parse(encode(v)) is not stable")
    }

    /// The first line is the Content-Type, the rest the body.
    public static func multipart(_ data: [UInt8]) {
        let newline = data.firstIndex(of: 0x0A) ?? data.count
        let contentType = String(decoding: data[..<newline], as: UTF8.self)
        let body = Array(data[min(newline + 1, data.count)...])
        let fields = Multipart.fields(body: body, contentType: contentType)
        precondition(fields.count <= PHPQuery.maxVariables, "more multipart fields than max_input_vars")
        var tree = PHPTree()
        for f in fields { tree.insert(key: f.name, value: f.value) }
        _ = tree.objectValue
    }

    /// How many fields a multipart body gives (for the tests of the cap).
    public static func multipartFieldCount(body: [UInt8], contentType: String) -> Int {
        Multipart.fields(body: body, contentType: contentType).count
    }

    /// Up to the first NUL, earlier results as JSON (a default set when they do not parse); after
    /// it, a command's query string. Substitution terminates and leaves no resolvable reference.
    public static func batchReferences(_ data: [UInt8]) {
        let nul = data.firstIndex(of: 0) ?? -1
        let resultsText = nul >= 0 ? Array(data[..<nul]) : []
        let query = Array(data[(nul + 1)...])
        var results: JSONObject = ["a": ["ID": "7", "LIST": [1, 2, ["X": "y"]]], "0": [10, 20], "n": .null]
        if case .object(let o)? = try? JSONValue.parse(resultsText) { results = o }
        let params = PHPQuery.parse(bytes: query)
        let out = BatchReferences.substitute(in: params, results: results)
        precondition(out.keys == params.keys, "substitution changed the parameter names")
        _ = out.serializedForTests
    }

    /// A whole REST request through the portal, in process: the first bytes pick the verb, path
    /// and content type, the rest split into query and body at the first NUL. Every answer is
    /// JSON with a status; errors have the portal's shape; a normal call right after succeeds.
    public static func router(_ data: [UInt8], portal: SandboxPortal) {
        let code = SandboxDataSet.defaultWebhookCode
        let paths = ["/rest/1/\(code)/", "/rest/1/\(code)/batch", "/rest/", "/rest/1/wrong/", "/rest/503/\(code)/",
                     "/oauth/token/", "/rest/1/\(code)/imopenlines.crm.chat.user.add.json"]
        let types = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "",
                     "text/plain"]
        let selector = data.first ?? 0
        let rest = Array(data.dropFirst())
        let nul = rest.firstIndex(of: 0) ?? rest.count
        var path = paths[Int(selector) % paths.count]
        let head = rest[..<nul]
        // Paths ending in "/" take their method from the first word of the query part.
        var query = String(decoding: head, as: UTF8.self)
        if path.hasSuffix("/") && path.hasPrefix("/rest/") {
            let word = query.prefix { $0 != "?" }
            path += word
            query = String(query.dropFirst(word.count).drop { $0 == "?" })
        }
        let type = types[Int(selector / 8) % types.count]
        let request = WireRequest(method: selector & 0x80 == 0 ? "POST" : "GET", path: path, query: query,
                                  headers: type.isEmpty ? [] : [("Content-Type", type)],
                                  body: Array(rest[min(nul + 1, rest.count)...]))
        check(portal.route(request))
        let normal = WireRequest(method: "POST", path: "/rest/1/\(code)/user.current", headers: [])
        let answer = portal.route(normal)
        precondition(answer.status == 200, "a normal call failed after a hostile one: \(answer.status)")
    }

    static func check(_ r: WireResponse) {
        guard !r.dropConnection else { return }
        precondition((200...599).contains(r.status), "status \(r.status)")
        guard let json = try? JSONValue.parse(r.body) else { preconditionFailure("an answer that is not JSON") }
        if r.status != 200 {
            precondition(json["error"]?.stringValue != nil && json["error_description"]?.stringValue != nil,
                         "an error not in the portal's shape: \(String(decoding: r.body.prefix(200), as: UTF8.self))")
        }
    }

    static func leaves(_ v: JSONValue) -> Int {
        switch v {
        case .object(let o): o.reduce(0) { $0 + leaves($1.value) }
        case .array(let a): a.reduce(0) { $0 + leaves($1) }
        default: 1
        }
    }

    static func depth(_ v: JSONValue) -> Int {
        switch v {
        case .object(let o): 1 + (o.map { depth($0.value) }.max() ?? 0)
        case .array(let a): 1 + (a.map(depth).max() ?? 0)
        default: 0
        }
    }
}

extension JSONObject {
    fileprivate var serializedForTests: [UInt8] { JSONValue.object(self).serializedBytes() }
}
