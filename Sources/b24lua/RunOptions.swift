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
    static let usage = """
        usage: b24lua [options] [script [args]]
        Available options are:
          -e stat   execute string 'stat'
          -i        enter interactive mode after executing 'script'
          -l mod    require library 'mod' into global 'mod'
          -l g=mod  require library 'mod' into global 'g'
          -v        show version information
          -E        ignore environment variables
          -W        turn warnings on
          --        stop handling options
          -         stop handling options and execute stdin
        Portal and run options:
          --sandbox[=FIXTURE.json]   the embedded sandbox portal       (B24_SANDBOX)
          --webhook URL              inbound webhook https://HOST/rest/USER/CODE/ (B24_WEBHOOK_URL)
          --webhook-file FILE        the same, read from a file only its owner may read (B24_WEBHOOK_FILE)
          --profile NAME             a profile of config.toml          (B24LUA_PROFILE)
          --plan standard|enterprise|unlimited|RATE/BURST   the portal's rate limit
          --dry-run                  send reads, record writes, print the plan
          --journal FILE             append every write and its outcome (B24LUA_JOURNAL)
          --yes                      answer yes to b24.confirm
          --safe                     capability sandbox: no environment, processes, C code, debug;
                                     files only below the script's directory and:
          --allow-read DIR           (with --safe) also read below DIR
          --allow-write DIR          (with --safe) also read and write below DIR
          --timeout SECONDS          stop the script after this long (exit 124)
          --max-memory MB            cap the memory Lua code may use
          --verbose / --quiet        request log on stderr / no progress bars
          --no-shared-limit          keep the rate limit to this process (not shared per portal)
          --save-state FILE          (with --sandbox) write the sandbox's data set when the run ends
        Commands: repl, check FILE..., sandbox serve|dump, undo JOURNAL, snippets, doc [NAME],
                  snapshot -o FILE, diff A.json B.json
        """

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
