import B24
import CLibEdit
import Foundation

/// The REPL's history file: `$XDG_STATE_HOME/b24lua/history`, else
/// `~/.local/state/b24lua/history`. One entry per chunk; it is rewritten after every entry so
/// a killed session loses nothing, and kept private (0600): lines typed at a portal may hold
/// ids or URLs worth keeping to oneself.
struct REPLHistory {
    let path: String
    private var lastEntry: String?

    static let maxEntries: Int32 = 1000

    init(environment: [String: String]) {
        path = Self.path(environment: environment)
    }

    static func path(environment: [String: String]) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/b24lua/history" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/b24lua/history"
    }

    func load() {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        stifle_history(Self.maxEntries)
        _ = read_history(path)
    }

    /// Adds a chunk. libedit's readline() cuts the line it returns at the first "\n", so the
    /// lines of a chunk are joined with "\r" instead: Lua reads "\r" as a line break too, and a
    /// recalled chunk then comes back whole (shown as ^M between its lines). The file outlives
    /// the session, so a pasted webhook URL or token goes through the one redaction first.
    mutating func add(_ chunk: String) {
        let entry = Redaction.redact(chunk).replacingOccurrences(of: "\n", with: "\r")
        guard !entry.allSatisfy(\.isWhitespace), entry != lastEntry else { return }
        lastEntry = entry
        _ = add_history(entry)
        if write_history(path) == 0 { chmod(path, 0o600) }
    }
}
