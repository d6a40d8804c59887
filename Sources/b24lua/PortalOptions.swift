import ArgumentParser
import B24Run

/// The portal options (README "Choosing the portal", "Other options") as ArgumentParser sees
/// them, for a subcommand that takes them among its own (`undo`). ArgumentParser only finds
/// them on the command line and lists them in `--help`; what a value must be, and the message
/// when it is not, stay `B24Flags.parse`'s, the one reader the script run uses too, so the two
/// cannot drift apart (`flags()` hands every value to it).
struct PortalOptions: ParsableArguments {
    @Flag(help: "The embedded sandbox portal, in-process (--sandbox=FIXTURE.json: with a fixture).")
    var sandbox = false
    /// `--sandbox=FIXTURE`, spelled so by `arguments(_:)`: ArgumentParser has no option whose value may be left out.
    @Option(name: .customLong(PortalOptions.fixtureOption), help: .hidden)
    var sandboxFixture: String?
    @Option(help: ArgumentHelp("https://HOST/rest/USER/CODE/", valueName: "URL"))
    var webhook: String?
    @Option(name: .customLong("webhook-file"), help: ArgumentHelp("The webhook URL read from FILE (mode 0600).", valueName: "FILE"),
            completion: completion("webhook-file"))
    var webhookFile: String?
    @Option(help: ArgumentHelp("A profile of the config file.", valueName: "NAME"), completion: completion("profile"))
    var profile: String?
    @Option(help: ArgumentHelp(B24Flags.planValues + ".", valueName: "PLAN"), completion: completion("plan"))
    var plan: String?
    @Flag(name: .customLong("dry-run"), help: "Print what would be sent, send nothing.")
    var dryRun = false
    @Option(help: ArgumentHelp("Journal the writes of this run in FILE.", valueName: "FILE"), completion: completion("journal"))
    var journal: String?
    @Flag(name: .customLong("no-shared-limit"), help: "Keep the rate limit to this process.")
    var noSharedLimit = false
    @Flag(name: [.customLong("verbose"), .customShort("v")], help: "One line per request on stderr, secrets redacted.")
    var verbose = false
    // Accepted as before any subcommand that reads portal options; they change nothing here.
    @Flag(help: .hidden) var yes = false
    @Flag(help: .hidden) var quiet = false
    @Flag(help: .hidden) var safe = false
    @Option(name: .customLong("allow-read"), help: .hidden) var allowRead: [String] = []
    @Option(name: .customLong("allow-write"), help: .hidden) var allowWrite: [String] = []
    @Option(help: .hidden) var timeout: String?
    @Option(name: .customLong("max-memory"), help: .hidden) var maxMemory: String?

    static let fixtureOption = "sandbox-fixture"

    /// What a shell completes for an option's value: what `B24Flags.options` says (docs/command-line.md).
    static func completion(_ name: String) -> CompletionKind {
        B24Flags.option(named: name).map { CommandTree.completionKind($0.completion) } ?? .default
    }

    /// The command line as ArgumentParser can read it: `--sandbox=FIXTURE` becomes
    /// `--sandbox --sandbox-fixture=FIXTURE` (up to a `--`).
    static func arguments(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var literal = false
        for a in arguments {
            if a == "--" { literal = true }
            if !literal, a.hasPrefix("--sandbox=") {
                out += ["--sandbox", "--\(fixtureOption)=" + a.dropFirst("--sandbox=".count)]
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// The options as `B24Flags`, each value read and checked by `B24Flags.parse`.
    func flags() throws(UsageError) -> B24Flags {
        var flags = B24Flags()
        var unused = 0
        func option(_ name: String, _ value: String?) throws(UsageError) {
            guard let value else { return }
            try flags.parse("--\(name)=\(value)", next: nil, consumed: &unused)
        }
        func flag(_ name: String, _ set: Bool) throws(UsageError) {
            if set { try flags.parse("--\(name)", next: nil, consumed: &unused) }
        }
        if sandbox || sandboxFixture != nil {
            try flags.parse(sandboxFixture.map { "--sandbox=\($0)" } ?? "--sandbox", next: nil, consumed: &unused)
        }
        try option("webhook", webhook)
        try option("webhook-file", webhookFile)
        try option("profile", profile)
        try option("plan", plan)
        try flag("dry-run", dryRun)
        try option("journal", journal)
        try flag("no-shared-limit", noSharedLimit)
        try flag("verbose", verbose)
        try flag("yes", yes)
        try flag("quiet", quiet)
        try flag("safe", safe)
        for dir in allowRead { try option("allow-read", dir) }
        for dir in allowWrite { try option("allow-write", dir) }
        try option("timeout", timeout)
        try option("max-memory", maxMemory)
        return flags
    }
}
