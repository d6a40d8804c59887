/// The options of a run that are not lua's (README "Choosing the portal", "Other options"): which portal, and how to run against it.
/// Flags win over the environment, the environment over the config file.
public struct B24Flags: Equatable, Sendable {
    public init() {}

    /// `--sandbox` alone: the default data set; `--sandbox=FILE`: a fixture.
    public var sandbox: String??
    public var webhook: String?
    /// `--webhook-file FILE`: the webhook URL read from a private file, so it never shows in `ps`.
    public var webhookFile: String?
    public var profile: String?
    public var plan: String?
    public var dryRun = false
    public var journal: String?
    /// `--resume JOURNAL`: skip the writes JOURNAL shows done, and journal into it (docs/journal.md).
    public var resume: String?
    public var yes = false
    public var safe = false
    /// `--allow-read DIR` / `--allow-write DIR` (repeatable): what `--safe` lets a script open.
    public var allowRead: [String] = []
    public var allowWrite: [String] = []
    public var timeout: Double?
    public var maxMemoryMB: Double?
    public var verbose = false
    public var quiet = false
    /// `--no-shared-limit`: keep the rate limit in this process (docs/shared-limit.md).
    public var noSharedLimit = false
    /// `--save-state FILE`: with `--sandbox`, the sandbox's data set when the run ends
    /// (docs/snapshot.md, "Rehearse").
    public var saveState: String?

    /// `--plan RATE/BURST` (e.g. `20/50`): a portal whose limits are neither preset. Both parts
    /// within `NumberRange.planRate` / `.planBurst`, so no wait computed from them overflows.
    public static func customPlan(_ text: String) -> (rate: Double, burst: Double)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let r = Double(parts[0]), let b = Double(parts[1]),
              NumberRange.planRate.contains(r), NumberRange.planBurst.contains(b) else { return nil }
        return (r, b)
    }

    /// Reads one `--name[=value]` option of `options`; a value may also be the next argument.
    /// Errors name the option but never echo its value (README "Other options"):
    /// `--web-hook=https://…/CODE/` is a typo whose value is a secret, and a pasted secret may
    /// land where a number belongs.
    public mutating func parse(_ arg: String, next: String?, consumed i: inout Int) throws(UsageError) {
        let body = arg.dropFirst(2)
        let name = String(body.prefix { $0 != "=" })
        let inline: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
        guard let spec = Self.option(named: name) else {
            throw UsageError(description: "unrecognized option '--\(name.prefix(40))'")
        }
        if spec.value == nil, inline != nil { throw UsageError(description: "'--\(name)' takes no value") }
        func value() throws(UsageError) -> String {
            if let inline { return inline }
            guard let next, !next.hasPrefix("-") else { throw UsageError(description: "'--\(name)' needs a value") }
            i += 1
            return next
        }
        func number(_ range: NumberRange) throws(UsageError) -> Double {
            guard let d = Double(try value()), range.contains(d) else {
                throw UsageError(description: "'--\(name)' needs a number in \(range)")
            }
            return d
        }
        switch name {
        case "sandbox": sandbox = .some(inline.flatMap { $0.isEmpty ? nil : $0 })
        case "webhook": webhook = try value()
        case "webhook-file": webhookFile = try value()
        case "profile": profile = try value()
        case "plan":
            let p = try value()
            guard Self.planNames.contains(p) || Self.customPlan(p) != nil else {
                throw UsageError(description: "'--plan' is \(Self.planValues) "
                                 + "(RATE \(NumberRange.planRate), BURST \(NumberRange.planBurst))")
            }
            plan = p
        case "dry-run": dryRun = true
        case "journal": journal = try value()
        case "resume": resume = try value()
        case "yes": yes = true
        case "safe": safe = true
        case "allow-read": allowRead.append(try value())
        case "allow-write": allowWrite.append(try value())
        case "timeout": timeout = try number(.timeoutSeconds)
        case "max-memory": maxMemoryMB = try number(.maxMemoryMB)
        case "verbose": verbose = true
        case "quiet": quiet = true
        case "no-shared-limit": noSharedLimit = true
        case "save-state": saveState = try value()
        // Listed but not read here: a test parses every listed option, so this is never reached.
        default: throw UsageError(description: "unrecognized option '--\(name)'")
        }
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
    // `planRate` and `planBurst` read `RateLimitPlan` (PlanFlag.swift).

    public func contains(_ d: Double) -> Bool {
        d.isFinite && (lowerExclusive ? d > lower : d >= lower) && d <= upper
    }

    public var description: String {
        (lowerExclusive ? "(" : "[") + Self.format(lower) + ", " + Self.format(upper) + "]"
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

/// A command line b24lua cannot run: exit status 2, the message on stderr. Its text never
/// quotes what may be a secret (see `B24Flags.parse`).
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
