/// How a stop (Ctrl-C, `--timeout`) is shown: the places it passed through inside the `b24`
/// module (its chunk is named `b24`) and C functions are not the user's; only the script's own
/// frames are (docs/journal.md, "Stopped runs").
enum StopReport {
    /// The message, then what is left of its traceback (the message may carry it already).
    static func text(_ full: String) -> String {
        guard let r = full.firstRange(of: "\nstack traceback:") else { return message(full) }
        let head = message(String(full[..<r.lowerBound]))
        guard let frames = userFrames(String(full[full.index(after: r.lowerBound)...])) else { return head }
        return head + "\n" + frames
    }

    /// `b24:449: interrupted!` → `interrupted!`; a script's own place is kept.
    static func message(_ text: String) -> String {
        guard text.hasPrefix("b24:") else { return text }
        let rest = text.dropFirst(4)
        let digits = rest.prefix { $0.isNumber }
        guard !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(": ") else { return text }
        return String(rest.dropFirst(digits.count + 2))
    }

    /// The traceback without the module's and C's frames; nil when no frame of the script's is left.
    static func userFrames(_ traceback: String) -> String? {
        var lines: [Substring] = []
        for line in traceback.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.drop { $0 == "\t" || $0 == " " }
            if t.hasPrefix("b24:") || t.hasPrefix("[C]:") || t.hasPrefix("(...tail calls...)") { continue }
            lines.append(line)
        }
        guard lines.contains(where: { !$0.hasPrefix("stack traceback:") && !$0.isEmpty }) else { return nil }
        return lines.joined(separator: "\n")
    }
}
