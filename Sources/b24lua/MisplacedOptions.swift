import B24Run

/// b24lua's own options (`--dry-run`, `--journal`, `--sandbox`, …) written after a snippet's or
/// script's name, where they belong to the snippet or script and b24lua never reads them: a
/// `--dry-run` there would leave the run writing for real (README "Snippets", "Running scripts").
enum MisplacedOptions {
    /// The first of b24lua's own options among `arguments`, up to a `--`: its name only, never
    /// a value written with it (which may be a secret).
    static func first(in arguments: [String]) -> String? {
        for a in arguments {
            if a == "--" { return nil }
            if B24Flags.isOption(a) { return String(a.prefix { $0 != "=" }) }
        }
        return nil
    }

    /// `snippets run`: the arguments after NAME, refused when one of b24lua's own options is
    /// among them before a `--`; the first `--` only separates, and is not passed on.
    static func snippetArguments(_ arguments: [String]) throws(UsageError) -> [String] {
        if let option = first(in: arguments) {
            throw UsageError(description: """
                snippets run: '\(option)' comes after the snippet's name, so it would go to the snippet and \
                b24lua would not act on it; put it before NAME (b24lua snippets run \(option) … NAME ARGS), or after '--' \
                if the snippet itself takes it (b24lua snippets run NAME ARGS -- \(option))
                """)
        }
        guard let separator = arguments.firstIndex(of: "--") else { return arguments }
        var out = arguments
        out.remove(at: separator)
        return out
    }

    /// A script run: lua(1) passes everything after the script to the script, and so does
    /// b24lua; one of b24lua's own options there gets a warning before the script starts.
    static func scriptWarning(_ arguments: [String]) -> String? {
        guard let option = first(in: arguments) else { return nil }
        return """
            warning: '\(option)' comes after the script's name, so it is passed to the script (as lua does) \
            and b24lua does not act on it; to use it, put it before the script (b24lua \(option) … SCRIPT ARGS); \
            after '--' this warning is not given
            """
    }
}
