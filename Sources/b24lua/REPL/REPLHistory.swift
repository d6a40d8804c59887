import B24
import CLibEdit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The REPL's history file: `history` in the state directory (`$XDG_STATE_HOME/b24lua/`, else
/// `~/.local/state/b24lua/`; StateDirectory). One entry per chunk; it is rewritten after every
/// entry so a killed session loses nothing, and kept private (0600): lines typed at a portal may
/// hold ids or URLs worth keeping to oneself. No history is kept when the state directory is not
/// safe to use (another user's, or writable by others).
struct REPLHistory {
    /// nil: no history kept (no state directory, or one refused).
    private(set) var path: String?
    private let directory: String?
    private var lastEntry: String?

    static let maxEntries: Int32 = 1000

    init(environment: [String: String]) {
        directory = StateDirectory.state(environment: environment)
        path = directory.map { $0 + "/history" }
    }

    mutating func load() {
        stifle_history(Self.maxEntries)
        guard let directory else {
            path = nil
            return
        }
        switch StateDirectory.prepare(directory) {
        case .ready(let real):
            path = real + "/history"
            _ = read_history(path)
        case .refused(let refusal):
            path = nil
            StandardError.write("b24lua: no history is kept: \(refusal)\n")
        }
    }

    /// Adds a chunk. libedit's readline() cuts the line it returns at the first "\n", so the
    /// lines of a chunk are joined with "\r" instead: Lua reads "\r" as a line break too, and a
    /// recalled chunk then comes back whole (shown as ^M between its lines). The file outlives
    /// the session, so a pasted webhook URL or token goes through the one redaction first.
    mutating func add(_ chunk: String) {
        let entry = Redaction.redact(chunk).replacing("\n", with: "\r")
        guard !entry.allSatisfy(\.isWhitespace), entry != lastEntry else { return }
        lastEntry = entry
        _ = add_history(entry)
        guard let path else { return }
        if write_history(path) == 0 { chmod(path, 0o600) }
    }
}
