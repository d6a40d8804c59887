import B24
import B24Wire
import B24Sandbox
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Data-set files (fixture JSON, README "The sandbox portal") as `snapshot`, `--save-state` and
/// `diff` read and write them.
public enum DataSetFile {
    /// Written whole or not at all: a temporary file beside it, fsync, then rename (a reader
    /// never finds half a data set). Mode 0600: a data set names the portal's people.
    public static func write(_ data: JSONValue, to path: String) throws(B24Error) {
        try TokenFile.writeAtomically(Array(pretty(data).utf8) + [0x0A], to: path)
    }

    /// One record a line: a data set of thousands of chats stays readable and diffable by line.
    public static func pretty(_ v: JSONValue) -> String {
        guard case .object(let o) = v else { return v.serialized() }
        var parts: [String] = []
        for (k, value) in o {
            let key = JSONValue.string(k).serialized()
            if case .array(let a) = value, !a.isEmpty {
                parts.append("  \(key): [\n" + a.map { "    " + $0.serialized() }.joined(separator: ",\n") + "\n  ]")
            } else {
                parts.append("  \(key): " + value.serialized())
            }
        }
        return "{\n" + parts.joined(separator: ",\n") + "\n}"
    }

    /// A data set from a file: a fixture, a snapshot, a saved state, or `GET /_sandbox/state`'s
    /// answer (its `stats` are not part of the data set and are set aside).
    public static func read(_ path: String) throws(B24Error) -> SandboxDataSet {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .configError("cannot read data set \(path)")
        }
        do {
            var json = try JSONValue.parse(Array(bytes))
            if case .object(var o) = json, o["stats"] != nil {
                o["stats"] = nil
                json = .object(o)
            }
            return try SandboxDataSet(fixture: json)
        } catch {
            throw .configError("\(path): \(error)")
        }
    }
}
