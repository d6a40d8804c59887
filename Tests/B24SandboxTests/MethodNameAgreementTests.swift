@testable import B24Sandbox
@testable import B24Wire
import Testing

/// The client's method-name normalisation (`MethodCatalog.normalized`, which decides what the
/// client retries, journals and leaves out of a dry run) and the sandbox's (`MethodName`, which
/// routes as the portal does, docs/sandbox-fidelity.md "Method names") are written apart and
/// must give the same name for every input: where they differ, the client classifies a method
/// the portal runs under another name.
@Suite struct MethodNameAgreementTests {
    static func expectAgree(_ raw: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let client = MethodCatalog.normalized(raw), portal = MethodName.normalized(raw)
        // Byte for byte: String `==` compares canonically and would hide a change of form.
        #expect(Array(client.utf8) == Array(portal.utf8),
                "\(Array(raw.utf8)) \(raw.debugDescription): client \(client.debugDescription), portal \(portal.debugDescription)",
                sourceLocation: sourceLocation)
    }

    /// Every name either side knows: the catalog's writes, inverses, lookups and named reads,
    /// and every method the sandbox answers.
    static let knownNames: [String] = {
        var names = Set(MethodCatalog.entries.keys).union(MethodCatalog.readMethods).union(MethodTable.all.keys)
        names.insert(MethodCatalog.membersMethod)
        for entry in MethodCatalog.entries.values {
            if let inverse = entry.inverse { names.insert(inverse) }
            if let lookup = entry.resolution?.lookup { names.insert(lookup) }
        }
        names.insert("batch")
        return names.sorted()
    }()

    /// One name's spellings: cases, the format suffix in its cases, twice, `.xml`, white space
    /// around and inside.
    static func variants(of name: String) -> [String] {
        let title = name.split(separator: ".", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: ".")
        var out: [String] = []
        for spelt in [name, name.uppercased(), title] {
            for suffix in ["", ".json", ".JSON", ".Json", ".json.json", ".xml", ".XML", ".json ", "json", "..json"] {
                let s = spelt + suffix
                out += [s, " " + s, s + " ", "\t" + s + "\n", s.replacing(".", with: ". ")]
            }
        }
        return out
    }

    @Test func everyKnownNameAndItsSpellings() {
        #expect(Self.knownNames.count > 20)
        for name in Self.knownNames {
            #expect(MethodName.normalized(name) == name.lowercased(), "\(name)")
            for v in Self.variants(of: name) { Self.expectAgree(v) }
        }
    }

    /// The edges of the format rule and of lower-casing: nothing before the dot, a dot only,
    /// letters outside ASCII whose lower case is ASCII (KELVIN SIGN) or longer (DOTTED CAPITAL I),
    /// upper case outside ASCII alone, a prepended mark joining the dot into one Character.
    @Test(arguments: ["", ".", "..", ".json", ".JSON", "x.json", "x..json", "json", "a.json.json", ".json.json",
                      "\u{212A}", "tas\u{212A}.item.list", "\u{130}", "USER.GET\u{130}", "usér.get", "usÉr.get",
                      "ΑΣ.get", "ΑΣ", "ß", "ẞ", "\u{600}.json", "\u{600}.JSON", "é.json", "e\u{301}.json",
                      "\u{FFFD}.json", "\u{0}.json", "user.get.json\u{301}", "user.get\u{301}.json", "ǅ.get", "Ω.json"])
    func edges(_ raw: String) {
        Self.expectAgree(raw)
    }

    /// Random byte strings, read as the server reads a path segment (invalid UTF-8 repaired),
    /// from an alphabet weighted towards what the two rules treat specially.
    @Test(arguments: 0..<8)
    func randomBytes(seed: Int) {
        let pieces: [[UInt8]] = [
            Array(".json".utf8), Array(".JSON".utf8), Array(".xml".utf8), Array("user.get".utf8),
            Array("IMOPENLINES.crm".utf8), [0x2E], [0x20], [0x09], [0x0A], [0x41], [0x5A], [0x61], [0x7A], [0x4A],
            [0x80], [0xFF], [0xC3], [0xC3, 0x89], [0xE2, 0x84, 0xAA], [0xC4, 0xB0], [0xCE, 0xA3], [0xD8, 0x80],
            [0xCC, 0x81], [0xE1, 0xBA, 0x9E], [0xF0, 0x9F, 0x98, 0x80], [0x00],
        ]
        var rng = SplitMix(seed: 0x6e61_6d65 + UInt64(seed))
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...8, using: &rng) {
                bytes += Bool.random(using: &rng) ? pieces.randomElement(using: &rng)!
                                                  : [UInt8.random(in: 0...255, using: &rng)]
            }
            Self.expectAgree(String(decoding: bytes, as: UTF8.self))
        }
    }
}
