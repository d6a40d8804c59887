// Text that came from outside (a portal's names and titles, a journal's lines) printed on a
// terminal (docs/snapshot.md, "diff"; docs/journal.md, "Undo"): its control characters are shown
// as escapes, never sent to the terminal, so a user named "\e]0;…\a" or "\e[2J" cannot retitle
// the window, clear the screen or hide a line of the report. Bidirectional overrides are escaped
// too: they would show a name in another order than it is.
public enum TerminalText {
    /// `text` with every control character (C0, DEL, C1) and bidirectional control as `\u{1B}`.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if needsEscape(s) {
                out.append(contentsOf: "\\u{\(String(s.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// `escaped`, but the line breaks and tabs stay: for a message that may have several lines
    /// of its own (a Lua error and its traceback).
    public static func escapedKeepingLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map { escaped(String($0)) }.joined(separator: "\t") }
            .joined(separator: "\n")
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        if s.properties.generalCategory == .control { return true }
        switch s.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
