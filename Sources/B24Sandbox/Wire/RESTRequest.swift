import B24Wire

/// Who a REST request claims to be, before the portal checks it.
enum Credentials: Equatable {
    case webhook(user: String, code: String)
    case token(String)
    case none
}

/// A `/rest/...` request taken apart: method, credentials and the merged parameters.
struct RESTRequest {
    var method: String
    var credentials: Credentials
    var params: JSONObject

    /// What can be read of a routed path without parsing the query or the body: method, path
    /// credentials, size. The portal checks a webhook's code on this before it reads any parameter.
    static func head(_ request: WireRequest, routed: (method: String, credentials: Credentials), maxBody: Int)
        throws(PortalError) -> (method: String, credentials: Credentials)
    {
        let (method, credentials) = routed
        guard !method.hasSuffix(".xml") else { throw .unsupportedFormat }
        guard request.body.count <= maxBody else { throw .bodyTooLarge }
        return (method, credentials)
    }

    /// The parameters (query, then body over it) and the OAuth token when the path had none.
    static func parse(_ request: WireRequest, head: (method: String, credentials: Credentials)) throws(PortalError)
        -> RESTRequest
    {
        var credentials = head.credentials
        var params: JSONObject
        if request.query.isEmpty {
            params = try bodyParams(request)  // the usual POST: nothing to merge
        } else {
            params = PHPQuery.parse(request.query)
            for (k, v) in try bodyParams(request) { params[k] = v }
        }
        if credentials == .none {
            if let t = tokenParam(params["auth"]) ?? tokenParam(params["access_token"]) ?? bearer(request) {
                credentials = .token(t)
            }
        }
        return RESTRequest(method: head.method, credentials: credentials, params: params)
    }

    /// `/rest/METHOD` (OAuth) or `/rest/USER/CODE/METHOD` (webhook); the method lower-cased
    /// (the server lower-cases it) and without its optional `.json` suffix.
    static func route(_ path: String) -> (method: String, credentials: Credentials) {
        // The segments after "/rest/", as bytes: the separators are ASCII. Only the first three
        // can matter, so they are found in place and the rest only counted: no array is built.
        var path = path
        return path.withUTF8 { bytes in
            var segments = 0  // the empty one before the first "/" and "rest" included
            var first = 0..<0, second = 0..<0, third = 0..<0
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                switch segments {
                case 2: first = start..<i
                case 3: second = start..<i
                case 4: third = start..<i
                default: break
                }
                segments += 1
                start = i + 1
            }
            func decoded(_ r: Range<Int>) -> String { PHPQuery.percentDecode(UnsafeBufferPointer(rebasing: bytes[r])) }
            var method: String
            var credentials = Credentials.none
            switch segments - 2 {
            case 1: method = decoded(first)
            case 2: method = decoded(second)
            case 3:
                method = decoded(third)
                credentials = .webhook(user: decoded(first), code: decoded(second))
            default: method = ""  // none, or more than three
            }
            return (MethodName.normalized(method), credentials)
        }
    }

    /// PHP fills `$_POST` only for form types; the REST server decodes the body as JSON only for
    /// `application/json` (docs/bitrix24-rest.md §6). Any other body is ignored, as there.
    static func bodyParams(_ request: WireRequest) throws(PortalError) -> JSONObject {
        if let json = request.json {
            // In-process, the body as the value it would encode: the same depth limit as parsing it.
            guard json.depth(limit: maxBodyDepth) <= maxBodyDepth else { throw .syntaxError }
            return json.objectValue ?? [:]
        }
        let type = (request.header("Content-Type") ?? "").lowercased()
        if type.contains("application/json") {
            if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
            let value: JSONValue
            do { value = try JSONValue.parse(request.body, maxDepth: maxBodyDepth) } catch { throw .syntaxError }
            switch value {
            case .object(let o): return o
            case .array(let a): return JSONObject(a.enumerated().map { (String($0.offset), $0.element) })
            default: return [:]
            }
        }
        if type.contains("application/x-www-form-urlencoded") {
            return PHPQuery.parse(bytes: request.body)
        }
        if type.contains("multipart/form-data") {
            var tree = PHPTree()
            let fields = Multipart.fields(body: request.body, contentType: request.header("Content-Type") ?? "")
            for f in fields.prefix(PHPQuery.maxVariables) { tree.insert(key: f.name, value: f.value) }
            return tree.objectValue
        }
        return [:]
    }

    /// How deep the portal decodes a JSON body (`JSONNesting.portalInput`, docs/sandbox-wire.md).
    static let maxBodyDepth = JSONNesting.portalInput

    static func tokenParam(_ v: JSONValue?) -> String? {
        guard let s = v?.stringValue, !s.isEmpty else { return nil }
        return s
    }

    static func bearer(_ request: WireRequest) -> String? {
        guard let h = request.header("Authorization"), h.lowercased().hasPrefix("bearer ") else { return nil }
        let t = h.dropFirst(7).trimmingCharacters(in: " ")
        return t.isEmpty ? nil : t
    }
}
