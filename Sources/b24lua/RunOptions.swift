import B24
import B24Run

/// The command line of a script run, read the way lua(1) reads it: options up to the script
/// name, everything after the script belongs to the script.
struct RunOptions {
    /// `-e CHUNK` and `-l MODULE`, kept in command-line order as lua runs them.
    enum Action: Equatable {
        case execute(String)
        case require(module: String, global: String)
        case warningsOn
    }

    var actions: [Action] = []
    var interactive = false          // -i
    var showVersion = false          // -v
    var ignoreEnvironment = false    // -E
    /// `-h`/`--help` and `--version`: print and exit 0, nothing else runs.
    var showHelp = false
    var showBuild = false
    /// Index in `argv` of the script name (`-` is stdin), nil when there is none.
    var scriptIndex: Int?
    var argv: [String] = []

    /// The b24 options (`--sandbox`, `--webhook`, `--dry-run`, …), before the script name.
    var b24 = B24Flags.none

    var script: String? { scriptIndex.map { argv[$0] } }
    var hasExecute: Bool { actions.contains { if case .execute = $0 { true } else { false } } }
    /// The script's own arguments, `...` inside it.
    var scriptArguments: [String] { scriptIndex.map { Array(argv[($0 + 1)...]) } ?? [] }
}

extension RunOptions {
    /// `--help`'s text, from the one description of the options (MainOptions).
    static var usage: String { MainOptions.usage }

    /// Parses `argv` (argv[0] is the program name) as lua.c's `collectargs` does. b24lua's own
    /// options among lua's are set aside, each with its value, and read by `B24Flags.read`.
    static func parse(_ argv: [String]) throws(UsageError) -> RunOptions {
        var o = RunOptions()
        o.argv = argv
        var portal: [String] = []
        try o.collect(argv, portal: &portal)
        o.b24 = try B24Flags.read(portal)
        return o
    }

    /// The words of unknown options are not quoted past their name: `--web-hook=https://…/CODE/`
    /// is a typo whose value is a secret.
    static func unrecognized(_ option: String) -> UsageError {
        let name = String(option.prefix { $0 != "=" }.prefix(42))
        let names = (B24Flags.options + MainOptions.about).flatMap(\.names).filter { $0.hasPrefix("--") }
        return UsageError(description: "unrecognized option '\(name)'" + NearNames.hint(for: name, among: names))
    }

    private mutating func collect(_ argv: [String], portal: inout [String]) throws(UsageError) {
        var i = 1
        while i < argv.count {
            let a = argv[i]
            if a == "-" || !a.hasPrefix("-") {
                scriptIndex = i
                return
            }
            if a == "--help" || a == "-h" {
                showHelp = true
                return
            }
            if a == "--version" {
                showBuild = true
                return
            }
            if a.hasPrefix("--"), a != "--" {
                guard let span = B24Flags.span(of: argv, at: i) else { throw Self.unrecognized(a) }
                portal += argv[i..<(i + span)]
                // Said now, before the next word is taken for one of lua's options.
                if B24Flags.lacksValue(a, span: span) { _ = try B24Flags.read(portal) }
                i += span
                continue
            }
            switch a {
            case "--":
                if i + 1 < argv.count { scriptIndex = i + 1 }
                return
            case "-i": interactive = true; showVersion = true
            case "-v": showVersion = true
            case "-E": ignoreEnvironment = true
            case "-W": actions.append(.warningsOn)
            default:
                if a.hasPrefix("-e") || a.hasPrefix("-l") {
                    var value = String(a.dropFirst(2))
                    if value.isEmpty {
                        i += 1
                        guard i < argv.count, !argv[i].hasPrefix("-") else {
                            throw UsageError(description: "'\(a)' needs argument")
                        }
                        value = argv[i]
                    }
                    if a.hasPrefix("-e") {
                        actions.append(.execute(value))
                    } else if let eq = value.firstIndex(of: "=") {
                        actions.append(.require(module: String(value[value.index(after: eq)...]),
                                                global: String(value[..<eq])))
                    } else {
                        actions.append(.require(module: value, global: value))
                    }
                } else {
                    // The option letter only: what follows it may be a pasted secret.
                    throw UsageError(description: "unrecognized option '\(a.prefix(2))'")
                }
            }
            i += 1
        }
    }
}
