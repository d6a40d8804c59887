/// The options of SPEC.md §2 that are not lua's: which portal, and how to run against it.
/// Flags win over the environment, the environment over the config file.
struct B24Flags: Equatable {
    /// `--sandbox` alone: the default data set; `--sandbox=FILE`: a fixture.
    var sandbox: String??
    var webhook: String?
    var profile: String?
    var plan: String?
    var dryRun = false
    var journal: String?
    var yes = false
    var safe = false
    /// `--allow-read DIR` / `--allow-write DIR` (repeatable): what `--safe` lets a script open.
    var allowRead: [String] = []
    var allowWrite: [String] = []
    var timeout: Double?
    var maxMemoryMB: Double?
    var verbose = false
    var quiet = false

    /// `--plan RATE/BURST` (e.g. `20/50`): a portal whose limits are neither preset.
    static func customPlan(_ text: String) -> (rate: Double, burst: Double)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let r = Double(parts[0]), let b = Double(parts[1]), r > 0, b >= 1,
              r.isFinite, b.isFinite else { return nil }
        return (r, b)
    }

    /// Reads one `--name[=value]` option; a value may also be the next argument.
    mutating func parse(_ arg: String, next: String?, consumed i: inout Int) throws(UsageError) {
        let body = arg.dropFirst(2)
        let name = String(body.prefix { $0 != "=" })
        let inline: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
        func value() throws(UsageError) -> String {
            if let inline { return inline }
            guard let next, !next.hasPrefix("-") else { throw UsageError(description: "'--\(name)' needs a value") }
            i += 1
            return next
        }
        func number() throws(UsageError) -> Double {
            let v = try value()
            guard let d = Double(v), d > 0, d.isFinite else {
                throw UsageError(description: "'--\(name)' needs a positive number, got '\(v)'")
            }
            return d
        }
        func flag() throws(UsageError) {
            if inline != nil { throw UsageError(description: "'--\(name)' takes no value") }
        }
        switch name {
        case "sandbox": sandbox = .some(inline.flatMap { $0.isEmpty ? nil : $0 })
        case "webhook": webhook = try value()
        case "profile": profile = try value()
        case "plan":
            let p = try value()
            guard ["standard", "enterprise", "unlimited"].contains(p) || Self.customPlan(p) != nil else {
                throw UsageError(description: "'--plan' is standard, enterprise, unlimited or RATE/BURST, got '\(p)'")
            }
            plan = p
        case "dry-run": try flag(); dryRun = true
        case "journal": journal = try value()
        case "yes": try flag(); yes = true
        case "safe": try flag(); safe = true
        case "allow-read": allowRead.append(try value())
        case "allow-write": allowWrite.append(try value())
        case "timeout": timeout = try number()
        case "max-memory": maxMemoryMB = try number()
        case "verbose": try flag(); verbose = true
        case "quiet": try flag(); quiet = true
        default: throw UsageError(description: "unrecognized option '\(arg)'")
        }
    }
}
