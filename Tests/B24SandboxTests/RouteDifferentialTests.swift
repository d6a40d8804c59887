import B24
@testable import B24Sandbox
import Testing

/// `RESTRequest.route` finds the path's segments in place (docs/performance.md); here it is
/// compared with the route as it was before (245a494, 677a502): the path split into an array
/// of byte slices, each percent-decoded by the slice-based decoder, the method normalized by the
/// portal's rule written plainly.
@Suite struct RouteDifferentialTests {
    // MARK: The route before the rewrite, kept as the reference.

    static func referenceRoute(_ path: String) -> (method: String, credentials: Credentials) {
        let parts = Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst(2)
            .map { referenceDecode($0) }
        var method: String
        var credentials = Credentials.none
        switch parts.count {
        case 1: method = parts[0]
        case 3:
            method = parts[2]
            credentials = .webhook(user: parts[0], code: parts[1])
        default: method = parts.count > 3 ? "" : (parts.last ?? "")
        }
        return (referenceNormalized(method), credentials)
    }

    static func referenceDecode(_ bytes: ArraySlice<UInt8>) -> String {
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let h = PHPQuery.hex(bytes[i + 1]),
                      let l = PHPQuery.hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The portal's rule without a fast path: lower case, then `.json` off by bytes when
    /// something comes before it (docs/sandbox-fidelity.md, "Method names").
    static func referenceNormalized(_ method: String) -> String {
        let m = method.lowercased()
        guard m.utf8.count > 5, m.utf8.suffix(5).elementsEqual(".json".utf8) else { return m }
        return String(decoding: m.utf8.dropLast(5), as: UTF8.self)
    }

    // MARK: Comparison

    static func bytes(_ c: Credentials) -> [[UInt8]]? {
        switch c {
        case .none: nil
        case .token(let t): [Array("token".utf8), Array(t.utf8)]
        case .webhook(let user, let code): [Array(user.utf8), Array(code.utf8)]
        }
    }

    /// Equal as Strings and byte for byte (String `==` would hide a change of normalization).
    static func expectSame(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let got = RESTRequest.route(path), want = referenceRoute(path)
        let same = got.method == want.method && Array(got.method.utf8) == Array(want.method.utf8)
            && got.credentials == want.credentials && bytes(got.credentials) == bytes(want.credentials)
        #expect(same, "path \(Array(path.utf8)) \(path.debugDescription): got \(got), want \(want)",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: ["", "/", "//", "///", "////", "/////", "rest", "/rest", "/rest/", "/rest//", "/rest///",
                      "/rest////", "rest/a", "rest/a/b", "/rest/a", "/rest/a/b", "/rest/a/b/c", "/rest/a/b/c/",
                      "/rest/a/b/c/d", "/rest/a/b/c/d/e", "/rest/1/code/user.get", "/rest/1/code/User.Get.JSON",
                      "/rest/user.get.json", "/rest/.json", "/rest/1/x/.json", "/rest/%", "/rest/%4", "/rest/%41",
                      "/rest/a%2Fb", "/rest/1%2F2/c%2Fd/m%2Fn", "/rest/+", "/rest/++/+/+", "/rest/%2B", "/rest/%zz%41",
                      "/rest/%C3%A9", "/rest/%C3", "/rest/%FF%FE", "/rest/%00", "/rest/\u{0}", "/rest/É.JSON",
                      "/rest/ÉA", "/rest/é", "/rest/e\u{301}", "/rest/1/ключ/😀.get", "/other/1/2/m", "x/y/z",
                      "/rest/a.JSON.json", "/rest/A.json.JSON", "/rest/ab%2ejson", "/rest/ab%2EJSON",
                      "/rest/1/c/m?x=1", "/rest/1/c/m.json?x=/y"])
    func edgeCasesAgreeWithTheOldSplitting(_ path: String) {
        Self.expectSame(path)
    }

    /// A few answers written out, so the reference itself is pinned.
    @Test func knownRoutes() {
        func route(_ p: String) -> (String, Credentials) { let r = RESTRequest.route(p); return (r.method, r.credentials) }
        #expect(route("/rest/user.get") == ("user.get", .none))
        #expect(route("/rest/1/abc/CRM.Lead.Get.JSON") == ("crm.lead.get", .webhook(user: "1", code: "abc")))
        #expect(route("/rest/%41b") == ("ab", .none))
        #expect(route("/rest/1/a%2Fb/x+y") == ("x y", .webhook(user: "1", code: "a/b")))
        #expect(route("/rest/a/b") == ("b", .none))
        #expect(route("/rest/a/b/c/d") == ("", .none))
        #expect(route("/rest/1//m") == ("m", .webhook(user: "1", code: "")))
        #expect(route("") == ("", .none) && route("/") == ("", .none) && route("//") == ("", .none))
        #expect(route("/rest") == ("", .none) && route("/rest/") == ("", .none))
        #expect(route("/rest/%4") == ("%4", .none) && route("/rest/%") == ("%", .none))
    }

    /// Random paths from pieces that matter to the splitting, the decoding and the normalization;
    /// short ones (stored inline in the String) and long ones.
    @Test(arguments: 0..<4)
    func randomPathsAgreeWithTheOldSplitting(_ seed: Int) {
        var rng = SplitMix(seed: 0x7a7e + UInt64(seed))
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let pieces = ["/", "/", "/", "rest", "rest", "1", "42", "0", "a", "b", "Z", "user", ".", "get", "USER.GET",
                      "crm.lead.list", "%41", "%61", "%2F", "%2f", "%2B", "%20", "%", "%4", "%G1", "%%", "%C3%A9",
                      "%C3", "%FF", "%00", "+", "++", ".json", ".JSON", ".Json", "json", "É", "é", "e\u{301}",
                      "\u{301}", "ß", "İ", "ключ", "😀", "\u{0}", "?", "=", "&", " ", ""]
        for _ in 0..<5000 {
            var path = ""
            switch pick(4) {
            case 0:  // anything
                for _ in 0..<pick(12) { path += pieces[pick(pieces.count)] }
            default:  // the REST prefix, then 0 to 6 segments of 0 to 3 pieces (some empty)
                path = pick(5) == 0 ? "/rest" : "/rest/"
                let segments = (0..<pick(7)).map { _ in (0..<pick(4)).map { _ in pieces[pick(pieces.count)] }.joined() }
                path += segments.joined(separator: "/")
                if pick(6) == 0 { path += "/" }
            }
            if pick(20) == 0 { path += String(repeating: pieces[pick(pieces.count)], count: 20 + pick(40)) }
            Self.expectSame(path)
        }
    }

    /// Every path made of up to 6 characters from a small alphabet, exhaustively.
    @Test func everyShortPathAgreesWithTheOldSplitting() {
        let alphabet = ["/", "a", "%", "4", "1", "+", "A"]
        var paths = [""]
        var frontier = [""]
        for _ in 0..<6 {
            frontier = frontier.flatMap { p in alphabet.map { p + $0 } }
            paths += frontier
        }
        #expect(paths.count == 137_257)  // 1 + 7 + 7^2 + ... + 7^6
        for p in paths {
            Self.expectSame(p)
            Self.expectSame("/rest/" + p)
        }
    }
}
