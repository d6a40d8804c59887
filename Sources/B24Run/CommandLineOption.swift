import ArgumentParser

/// One option of the main command, as `--help`, the man page and the shell completions show it
/// (docs/command-line.md): the one description of the portal and run options, which
/// `B24Flags`' ArgumentParser declarations and the script run's reading of lua(1)'s command line
/// read too, so an option cannot be parsed without being listed, nor listed without being parsed.
public struct CommandLineOption: Equatable, Sendable {
    /// What a shell offers for the option's value.
    public enum Completion: Equatable, Sendable {
        case none, file, directory
        case values([String])
        /// Names only a run can list, from `b24lua __complete KIND`: the profiles of the config
        /// file, the snippets, the topics of `b24lua doc`.
        case dynamic(String)

        public static let profiles = Completion.dynamic("profiles")
        public static let snippets = Completion.dynamic("snippets")
        public static let topics = Completion.dynamic("topics")

        /// How an ArgumentParser declaration asks for names only a run can list.
        public static let completeCommand = "b24lua __complete"

        /// As ArgumentParser declares it; `.dynamic` as the shell command `b24lua __complete KIND`.
        public var kind: CompletionKind {
            switch self {
            case .none: .list([])
            case .file: .file()
            case .directory: .directory
            case .values(let v): .list(v)
            case .dynamic(let kind): .shellCommand("\(Self.completeCommand) \(kind)")
            }
        }
    }

    /// Every spelling, the preferred first: `["-h", "--help"]`.
    public var names: [String]
    /// The value's placeholder (`URL`); nil for a flag.
    public var value: String?
    /// `--sandbox[=FIXTURE.json]`: the value, when given, is joined by `=`.
    public var valueIsOptional: Bool
    public var help: String
    /// The environment variable that sets the same thing, when there is one.
    public var environment: String?
    public var completion: Completion

    public init(_ names: [String], value: String? = nil, valueIsOptional: Bool = false, _ help: String,
                environment: String? = nil, completion: Completion = .none) {
        self.names = names
        self.value = value
        self.valueIsOptional = valueIsOptional
        self.help = help
        self.environment = environment
        self.completion = completion
    }

    /// `--webhook URL`, `--sandbox[=FIXTURE.json]`, `-e stat`.
    public var synopsis: String {
        let name = names.joined(separator: ", ")
        guard let value else { return name }
        return valueIsOptional ? "\(name)[=\(value)]" : "\(name) \(value)"
    }
}

extension B24Flags {
    /// The portal and run options (README "Choosing the portal", "Other options"), in the order
    /// `--help` lists them. `B24Flags` declares exactly these.
    public static let options: [CommandLineOption] = [
        .init(["--sandbox"], value: "FIXTURE.json", valueIsOptional: true, "the embedded sandbox portal, in-process",
              environment: "B24_SANDBOX", completion: .file),
        .init(["--webhook"], value: "URL", "inbound webhook https://HOST/rest/USER/CODE/", environment: "B24_WEBHOOK_URL"),
        .init(["--webhook-file"], value: "FILE", "the same, read from a file only its owner may read",
              environment: "B24_WEBHOOK_FILE", completion: .file),
        .init(["--profile"], value: "NAME", "a profile of config.toml", environment: "B24LUA_PROFILE", completion: .profiles),
        .init(["--plan"], value: "PLAN", planHelp, completion: .values(planNames)),
        .init(["--dry-run"], "send reads, record writes, print the plan"),
        .init(["--journal"], value: "FILE", "append every write and its outcome", environment: "B24LUA_JOURNAL",
              completion: .file),
        .init(["--resume"], value: "JOURNAL", "skip the writes JOURNAL shows done; journal into it", completion: .file),
        .init(["--yes"], "answer yes to b24.confirm"),
        .init(["--safe"], "capability sandbox: no environment, processes, C code, debug; files only below the script's directory"),
        .init(["--allow-read"], value: "DIR", "(with --safe) also read below DIR", completion: .directory),
        .init(["--allow-write"], value: "DIR", "(with --safe) also read and write below DIR", completion: .directory),
        .init(["--timeout"], value: "SECONDS", "stop the script after this long (exit 124)"),
        .init(["--max-memory"], value: "MB", "cap the memory Lua code may use"),
        .init(["--verbose"], "one line per request on stderr, secrets redacted"),
        .init(["--quiet"], "no progress bars, no retry notices"),
        .init(["--no-shared-limit"], "keep the rate limit to this process (not shared per portal)"),
        .init(["--save-state"], value: "FILE", "(with --sandbox) write the sandbox's data set when the run ends",
              completion: .file),
    ]

    /// The option named `--name`, nil when there is none.
    public static func option(named name: String) -> CommandLineOption? {
        options.first { $0.names.contains("--" + name) }
    }
}
