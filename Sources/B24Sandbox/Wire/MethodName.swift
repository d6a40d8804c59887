import B24Wire

/// A method name as the portal's REST server reads it, from the path or from a `batch` command
/// (docs/sandbox-fidelity.md, "Method names"): lower-cased code point by code point, as PHP's
/// `mb_strtolower` does; then what follows the last dot, when something comes before that dot
/// and it is `json`, is the answer's format, not part of the name. The format `xml` stays on the
/// name, where `RESTRequest.head` refuses it (this portal answers only in JSON).
///
/// The sandbox's own reading, written from the server's side: not the client's
/// `MethodCatalog.normalized`, so that a slip in the client's shows as a disagreement
/// (Tests/B24SandboxTests/MethodNameAgreementTests.swift) instead of being routed alike.
enum MethodName {
    static func normalized(_ raw: String) -> String {
        // The usual name (lower-case ASCII, no format) is itself: no allocation on every call.
        if raw.allUTF8Bytes({ $0 < 0x80 && !isUpper($0) }) && !endsInFormat(raw) { return raw }
        var lower = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            if scalar.isASCII {
                lower.append(isUpper(UInt8(scalar.value)) ? Unicode.Scalar(UInt8(scalar.value) + 0x20) : scalar)
            } else {
                lower.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        let name = String(lower)
        guard endsInFormat(name) else { return name }
        return String(decoding: name.utf8.dropLast(5), as: UTF8.self)
    }

    private static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }

    /// The bytes end in ".json", the one format this portal answers in, and something comes
    /// before its dot (PHP: the last dot's position is above 0). Lower-case only: called on the
    /// lowered name, and on the raw one, where an upper-case letter already takes the long way.
    private static func endsInFormat(_ s: String) -> Bool {
        s.hasUTF8Suffix(".json") && s.utf8.count > 5
    }
}
