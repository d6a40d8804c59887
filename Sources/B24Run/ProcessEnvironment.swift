#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment as a dictionary, read from `environ` directly. Foundation's
/// `ProcessInfo.processInfo.environment` gives the same answer but cost about 0.9 million
/// instructions at start-up, a tenth of `b24lua -e ''` (docs/performance.md).
public enum ProcessEnvironment {
    /// `NAME=value` entries; the first of a repeated name wins, as with getenv(3).
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let current = entry, let cString = current.pointee {
            let text = String(cString: cString)
            if let eq = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(text[..<eq])
                if !name.isEmpty, result[name] == nil {
                    result[name] = String(text[text.utf8.index(after: eq)...])
                }
            }
            entry = current + 1
        }
        return result
    }
}
