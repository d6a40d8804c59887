import ArgumentParser
import B24
import B24Wire

/// The options of a run that are not lua's (README "Choosing the portal", "Other options"): which
/// portal, and how to run against it. Flags win over the environment, the environment over the
/// config file. ArgumentParser reads them: the subcommands that talk to a portal take them as an
/// `@OptionGroup`, and the script run, which reads lua(1)'s command line by hand, hands it the
/// words of them (`read(_:)`, docs/command-line.md). Their names, help and completions are
/// `options`' (CommandLineOption.swift), the one description `--help`, the man page and the
/// completions list.
///
/// A value made by `init()` is ArgumentParser's description of the options, not options:
/// reading it traps. "No options" is `none`.
public struct B24Flags: ParsableArguments, Sendable {
    public init() {}

    /// `--sandbox` alone: the default data set; `--sandbox=FIXTURE`: a fixture (`sandbox`).
    @Flag(name: .customLong("sandbox"), help: help("sandbox"))
    var sandboxFlag = false
    /// `--sandbox=FIXTURE`, spelled so by `spelledForParser(_:)`: ArgumentParser has no option
    /// whose value may be left out without taking the next word (a script's name) as its value.
    @Option(name: .customLong(B24Flags.fixtureOption), help: .hidden)
    var sandboxFixture: String?
    @Option(help: help("webhook"), completion: completion("webhook"))
    public var webhook: String?
    /// `--webhook-file FILE`: the webhook URL read from a private file, so it never shows in `ps`.
    @Option(name: .customLong("webhook-file"), help: help("webhook-file"), completion: completion("webhook-file"))
    public var webhookFile: String?
    @Option(help: help("profile"), completion: completion("profile"))
    public var profile: String?
    /// `--plan standard` or `--plan RATE/BURST`: what `RateLimitPlan(argument:)` reads.
    @Option(help: help("plan"), completion: completion("plan"))
    public var plan: RateLimitPlan?
    @Flag(name: .customLong("dry-run"), help: help("dry-run"))
    public var dryRun = false
    @Option(help: help("journal"), completion: completion("journal"))
    public var journal: String?
    /// `--no-shared-limit`: keep the rate limit in this process (docs/shared-limit.md).
    @Flag(name: .customLong("no-shared-limit"), help: help("no-shared-limit"))
    public var noSharedLimit = false
    @Flag(name: [.customLong("verbose"), .customShort("v")], help: help("verbose"))
    public var verbose = false
    // Below: hidden in the subcommands' help (a script run's options, which `--help` lists).
    /// `--resume JOURNAL`: skip the writes JOURNAL shows done, and journal into it (docs/journal.md).
    @Option(help: help("resume", .hidden), completion: completion("resume"))
    public var resume: String?
    @Flag(help: help("yes", .hidden))
    public var yes = false
    @Flag(help: help("quiet", .hidden))
    public var quiet = false
    @Flag(help: help("safe", .hidden))
    public var safe = false
    /// `--allow-read DIR` / `--allow-write DIR` (repeatable): what `--safe` lets a script open.
    @Option(name: .customLong("allow-read"), help: help("allow-read", .hidden), completion: completion("allow-read"))
    public var allowRead: [String] = []
    @Option(name: .customLong("allow-write"), help: help("allow-write", .hidden), completion: completion("allow-write"))
    public var allowWrite: [String] = []
    @Option(help: help("timeout", .hidden), transform: { try NumberRange.timeoutSeconds.read($0) })
    public var timeout: Double?
    @Option(name: .customLong("max-memory"), help: help("max-memory", .hidden), transform: { try NumberRange.maxMemoryMB.read($0) })
    public var maxMemoryMB: Double?
    /// `--save-state FILE`: with `--sandbox`, the sandbox's data set when the run ends
    /// (docs/snapshot.md, "Rehearse").
    @Option(name: .customLong("save-state"), help: help("save-state", .hidden), completion: completion("save-state"))
    public var saveState: String?

    static let fixtureOption = "sandbox-fixture"

    /// `--sandbox`: nil when not given; `.some(nil)` alone (or `--sandbox=`); `.some(FIXTURE)`.
    public var sandbox: String?? {
        sandboxFlag || sandboxFixture != nil ? .some(sandboxFixture.flatMap { $0.isEmpty ? nil : $0 }) : nil
    }
}

extension B24Flags {
    /// No options given. Set field by field rather than parsed: a script run without options
    /// does not start ArgumentParser (README "Performance"). Each field set is a parsed value;
    /// one left out would trap when read (a test reads them all, through reflection).
    public static var none: B24Flags {
        var f = B24Flags()
        f.sandboxFlag = false
        f.sandboxFixture = nil
        f.webhook = nil
        f.webhookFile = nil
        f.profile = nil
        f.plan = nil
        f.dryRun = false
        f.journal = nil
        f.resume = nil
        f.noSharedLimit = false
        f.verbose = false
        f.yes = false
        f.quiet = false
        f.safe = false
        f.allowRead = []
        f.allowWrite = []
        f.timeout = nil
        f.maxMemoryMB = nil
        f.saveState = nil
        return f
    }

    /// The flags `words` give, each an option of `options` with its value (`--name=value`, or
    /// `--name value` as `span(of:at:)` groups them). A refusal is a `UsageError` that names the
    /// option, never its value (`UsageMessage`).
    public static func read(_ words: [String]) throws(UsageError) -> B24Flags {
        guard !words.isEmpty else { return none }
        do {
            return try parse(spelledForParser(words))
        } catch {
            throw UsageError(description: UsageMessage.withoutValues(message(for: error)))
        }
    }

    /// The command line as ArgumentParser can read it: `--sandbox=FIXTURE` becomes
    /// `--sandbox --sandbox-fixture=FIXTURE` (up to a `--`). For every command line that holds
    /// these options: the script run's (through `read`) and the subcommands'.
    public static func spelledForParser(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var literal = false
        for a in arguments {
            if a == "--" { literal = true }
            if !literal, a.hasPrefix("--sandbox=") {
                let fixture = a.dropFirst("--sandbox=".count)
                // `--sandbox=` is `--sandbox`: ArgumentParser takes an empty value for a missing one.
                out += ["--sandbox"] + (fixture.isEmpty ? [] : ["--\(fixtureOption)=" + fixture])
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// How many words, from `arguments[i]`, the option there takes: 2 when its value is the next
    /// word (`--webhook URL`), else 1; nil when `arguments[i]` is none of `options`. A next word
    /// that starts with `-` is not taken: ArgumentParser then says the value is missing.
    public static func span(of arguments: [String], at i: Int) -> Int? {
        let arg = arguments[i]
        guard arg.hasPrefix("--"), arg != "--", let option = option(named: String(arg.dropFirst(2).prefix { $0 != "=" })) else {
            return nil
        }
        let takesNext = option.value != nil && !option.valueIsOptional && !arg.contains("=")
        return takesNext && i + 1 < arguments.count && !arguments[i + 1].hasPrefix("-") ? 2 : 1
    }

    /// Whether `word` is an option that takes a value, given without one (`--plan`, not
    /// `--plan=x`): when `span` did not take the next word, its value is missing.
    public static func lacksValue(_ word: String, span: Int) -> Bool {
        guard span == 1, !word.contains("="), let o = option(named: String(word.dropFirst(2))) else { return false }
        return o.value != nil && !o.valueIsOptional
    }

    /// Options of a script run only (`--resume`, `--save-state`): a subcommand that takes the
    /// portal options refuses them, rather than leaving them unread.
    public func refuseScriptRunOptions(in command: String) throws(UsageError) {
        for (name, given) in [("--resume", resume != nil), ("--save-state", saveState != nil)] where given {
            throw UsageError(description: "'\(name)' is for a script run; \(command) does not take it")
        }
    }

    /// `--help` text and value name of the listed option `--name`.
    static func help(_ name: String, _ visibility: ArgumentVisibility = .default) -> ArgumentHelp {
        guard let o = option(named: name) else { return ArgumentHelp(visibility: visibility) }
        let text = o.valueIsOptional ? "\(o.help) (\(o.synopsis))" : o.help
        return ArgumentHelp(text, valueName: o.valueIsOptional ? nil : o.value, visibility: visibility)
    }

    /// What a shell completes for the listed option's value.
    static func completion(_ name: String) -> CompletionKind {
        option(named: name)?.completion.kind ?? .default
    }
}

/// The accepted range of a numeric option (README "Other options" lists them): finite, within
/// bounds that keep every conversion to integers and durations in range.
public struct NumberRange: Equatable, Sendable, CustomStringConvertible {
    public var lower: Double
    public var upper: Double
    /// `(0, upper]`: zero itself is refused (a zero timeout or memory cap is a typo).
    public var lowerExclusive: Bool

    /// A year: enough for any maintenance run; far below where seconds overflow as nanoseconds.
    public static let timeoutSeconds = NumberRange(lower: 0, upper: 31_536_000, lowerExclusive: true)
    /// 1 TiB.
    public static let maxMemoryMB = NumberRange(lower: 0, upper: 1_048_576, lowerExclusive: true)

    public func contains(_ d: Double) -> Bool {
        d.isFinite && (lowerExclusive ? d > lower : d >= lower) && d <= upper
    }

    /// `text` as a number within the range; the error is the option's rule (`UsageMessage`).
    func read(_ text: String) throws(UsageError) -> Double {
        guard let d = Double(text), contains(d) else { throw UsageError(description: "needs a number in \(self)") }
        return d
    }

    public var description: String {
        (lowerExclusive ? "(" : "[") + RateLimitPlan.figure(lower) + ", " + RateLimitPlan.figure(upper) + "]"
    }
}

/// A command line b24lua cannot run: exit status 2, the message on stderr. Its text never
/// quotes what may be a secret (`UsageMessage`).
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}

extension B24Flags {
    /// Whether `arg` (`--name` or `--name=value`) names one of b24lua's own options: a snippet's
    /// or script's arguments are checked against the one list (README "Snippets").
    public static func isOption(_ arg: String) -> Bool {
        guard arg.hasPrefix("--"), arg != "--" else { return false }
        return option(named: String(arg.dropFirst(2).prefix { $0 != "=" })) != nil
    }
}
