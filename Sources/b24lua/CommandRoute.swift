import B24Run

/// Which command a command line asks for. A subcommand is the first argument, or comes after
/// portal options (`b24lua --webhook-file W undo run.jsonl`): those options are handed to the
/// subcommand where it reads them, or refused with a hint where it has none. A script that
/// happens to be called `undo` runs as `./undo`, as with the first-argument form.
enum CommandRoute: Equatable {
    enum Command: String {
        case check, repl, snippets, sandbox, undo, doc, snapshot, diff
        /// Only as `help SUBCOMMAND …` (see `init`).
        case help
    }

    case subcommand(Command, [String])
    case hint(String)
    /// lua(1)-style: options, a script and its arguments.
    case script

    init(_ argv: [String]) {
        guard argv.count > 1 else { self = .script; return }
        // `b24lua help snippets [run]`, which ArgumentParser's help of a command with subcommands
        // points to; `help` alone, or before anything else, stays a script's name.
        if argv[1] == "help", argv.count > 2, Command(rawValue: argv[2]) != nil {
            self = .subcommand(.help, Array(argv.dropFirst(2)))
            return
        }
        if let command = Command(rawValue: argv[1]), command != .help {
            self = .subcommand(command, Array(argv.dropFirst(2)))
            return
        }
        // Which words are options and their values is all that is read here: the subcommand
        // checks the values, or RunOptions reports an unknown option.
        var i = 1
        while i < argv.count, argv[i].hasPrefix("--"), argv[i] != "--" {
            guard let span = B24Flags.span(of: argv, at: i) else {
                self = .script
                return
            }
            i += span
        }
        guard i > 1, i < argv.count, let command = Command(rawValue: argv[i]), command != .help else {
            self = .script
            return
        }
        let leading = Array(argv[1..<i])
        let rest = Array(argv[(i + 1)...])
        switch command {
        case .undo, .repl, .snapshot, .diff:
            self = .subcommand(command, leading + rest)
        case .snippets where rest.first == "run":
            self = .subcommand(.snippets, ["run"] + leading + rest.dropFirst())
        case .snippets:
            self = .hint("portal options apply to 'snippets run' only: b24lua snippets run [options] NAME [args]")
        case .sandbox:
            self = .hint("the sandbox takes its own options, after its command: b24lua sandbox serve --help")
        case .check, .doc, .help:
            self = .hint("'b24lua \(command.rawValue)' takes no portal options: b24lua \(command.rawValue) …")
        }
    }
}
