import B24
import B24Wire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// `--resume JOURNAL`: the writes a journal shows done on this portal, so that running the same
/// job again skips them instead of sending them a second time (docs/journal.md, "Resuming").
/// "Done" is a write with a successful outcome line, sent to the same portal, with the same
/// method and parameters (as journaled: redacted, keys in any order). Each done write answers
/// one repeat of it, with the result it had then: a job that writes the same thing twice is
/// skipped twice only when the journal shows it done twice.
public final class ResumeLedger: Sendable {
    public let path: String
    private let done: Mutex<[String: [JSONValue]]>
    /// Done writes the journal holds for this portal, when it was read.
    public let doneCount: Int
    /// Writes of the journal sent to other portals (not skipped here).
    public let elsewhereCount: Int

    /// Reads `path`; a file that does not exist yet is an empty ledger (the job starts afresh).
    /// `warnings` gets the reader's notes (torn lines).
    public init(path: String, portal: String, warnings: inout [String]) throws(B24Error) {
        self.path = path
        var writes: [JournaledWrite] = []
        if FileManager.default.fileExists(atPath: path) {
            // Decoded leniently: a line torn inside a character is a torn line (skipped), not a
            // journal that cannot be read (docs/journal.md, "Lines").
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw .configError("cannot read --resume journal \(path)")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do throws(B24Error) { writes = try JournaledWrite.read(text, warnings: &warnings) } catch {
                throw .configError("--resume \(path): \(error.message)")
            }
        }
        var done: [String: [JSONValue]] = [:]
        var count = 0, elsewhere = 0
        for w in writes {
            guard w.portal == portal else { elsewhere += 1; continue }
            guard w.ok == true else { continue }
            done[Self.key(w.method, w.params), default: []].append(w.result ?? .null)
            count += 1
        }
        self.done = Mutex(done)
        doneCount = count
        elsewhereCount = elsewhere
    }

    /// The result of a done write like this one, taken from the ledger; nil when none is left.
    func take(_ method: String, _ params: JSONValue) -> JSONValue? {
        let k = Self.key(method, params)
        return done.withLock { d -> JSONValue? in
            guard var results = d[k], !results.isEmpty else { return nil }
            let r = results.removeFirst()
            d[k] = results
            return r
        }
    }

    /// The method and parameters as the journal holds them (redacted), keys sorted.
    static func key(_ method: String, _ params: JSONValue) -> String {
        MethodCatalog.normalized(Redaction.redact(method)) + " " + Redaction.redact(json: params).serialized(sortKeys: true)
    }
}
