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
    var b24 = B24Flags()

    var script: String? { scriptIndex.map { argv[$0] } }
    var hasExecute: Bool { actions.contains { if case .execute = $0 { true } else { false } } }
    /// The script's own arguments, `...` inside it.
    var scriptArguments: [String] { scriptIndex.map { Array(argv[($0 + 1)...]) } ?? [] }
}

extension RunOptions {
    /// `--help`'s text, from the one description of the options (MainOptions).
    static var usage: String { MainOptions.usage }

    /// Parses `argv` (argv[0] is the program name) as lua.c's `collectargs` does.
    static func parse(_ argv: [String]) throws(UsageError) -> RunOptions {
        var o = RunOptions()
        o.argv = argv
        var i = 1
        while i < argv.count {
            let a = argv[i]
            if a == "-" || !a.hasPrefix("-") {
                o.scriptIndex = i
                return o
            }
            if a == "--help" || a == "-h" {
                o.showHelp = true
                return o
            }
            if a == "--version" {
                o.showBuild = true
                return o
            }
            if a.hasPrefix("--"), a != "--" {
                try o.b24.parse(a, next: i + 1 < argv.count ? argv[i + 1] : nil, consumed: &i)
                i += 1
                continue
            }
            switch a {
            case "--":
                if i + 1 < argv.count { o.scriptIndex = i + 1 }
                return o
            case "-i": o.interactive = true; o.showVersion = true
            case "-v": o.showVersion = true
            case "-E": o.ignoreEnvironment = true
            case "-W": o.actions.append(.warningsOn)
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
                        o.actions.append(.execute(value))
                    } else if let eq = value.firstIndex(of: "=") {
                        o.actions.append(.require(module: String(value[value.index(after: eq)...]),
                                                  global: String(value[..<eq])))
                    } else {
                        o.actions.append(.require(module: value, global: value))
                    }
                } else {
                    // The option letter only: what follows it may be a pasted secret.
                    throw UsageError(description: "unrecognized option '\(a.prefix(2))'")
                }
            }
            i += 1
        }
        return o
    }
}
