import B24
import B24Wire

/// ArgumentParser's usage messages as b24lua gives them (docs/command-line.md, "Usage errors name
/// the option, not its value"): never quoting a value, which may be a secret pasted in the wrong
/// place (`--dry-run=CODE`, `--timeout=$B24_WEBHOOK_URL`), and, for an option of `B24Flags` with a
/// rule, saying the rule: "'--plan' is standard, … or RATE/BURST (…)".
public enum UsageMessage {
    public static func withoutValues(_ message: String) -> String {
        var message = message
        // The value stands between ArgumentParser's words; it may hold those words itself, so
        // the last of the closing words is taken.
        if let r = message.firstRange(of: "' does not take any value, but '"),
           let end = message[r.upperBound...].ranges(of: "' was specified.").last {
            message.replaceSubrange(r.lowerBound..<end.upperBound, with: "' takes no value.")
        }
        // "The value 'X' is invalid for '--rate <rate>'…" -> "The value is invalid for '--rate <rate>'…",
        // or the option's rule, which then is the whole line.
        if let r = message.firstRange(of: "The value '"),
           let end = message[r.upperBound...].ranges(of: "' is invalid").last {
            let rest = message[end.upperBound...]
            let lineEnd = rest.firstIndex(of: "\n") ?? rest.endIndex
            if let rule = rule(in: rest[..<lineEnd]) {
                message.replaceSubrange(r.lowerBound..<lineEnd, with: rule)
            } else {
                message.replaceSubrange(r.lowerBound..<end.upperBound, with: "The value is invalid")
            }
        }
        // "Missing value for '--plan <PLAN>'": what the value must be is more use.
        if let r = message.firstRange(of: "Missing value for '"),
           let rule = rule(in: Substring(" for '" + message[r.upperBound...].prefix { $0 != "\n" })) {
            let lineEnd = message[r.upperBound...].firstIndex(of: "\n") ?? message.endIndex
            message.replaceSubrange(r.lowerBound..<lineEnd, with: rule)
        }
        return message
    }

    /// The rule of the option a " for '--name <value>'…" names, when it has one.
    static func rule(in text: Substring) -> String? {
        guard text.hasPrefix(" for '--") else { return nil }
        let name = text.dropFirst(" for '".count).prefix { $0 != " " && $0 != "'" }
        return B24Flags.rule(of: String(name))
    }
}

extension B24Flags {
    /// What the option `--name` accepts, said when it gets something else.
    public static func rule(of name: String) -> String? {
        switch name {
        case "--plan": "'--plan' is " + RateLimitPlan.argumentRule
        case "--timeout": "'--timeout' needs a number in \(NumberRange.timeoutSeconds)"
        case "--max-memory": "'--max-memory' needs a number in \(NumberRange.maxMemoryMB)"
        default: nil
        }
    }
}
