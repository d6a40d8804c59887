import B24
import B24Run
import B24Wire
import Testing

/// `B24Flags.options` is what `--help`, the man page and the completions list
/// (docs/command-line.md): `B24Flags`' ArgumentParser declarations must read every one of them,
/// and nothing else, and no refusal may quote a value.
@Suite struct CommandLineOptionTests {
    static func sample(_ name: String) -> String {
        switch name {
        case "--plan": "enterprise"
        case "--timeout", "--max-memory": "5"
        default: "x"
        }
    }

    /// Every field, for comparing two readings (ArgumentParser's types are not Equatable).
    static func fields(_ f: B24Flags) -> String {
        "\(String(describing: f.sandbox)) \(f.webhook ?? "-") \(f.webhookFile ?? "-") \(f.profile ?? "-") "
            + "\(f.plan.map { "\($0.drainPerSecond ?? -1)/\($0.burst)" } ?? "-") \(f.dryRun) \(f.journal ?? "-") "
            + "\(f.resume ?? "-") \(f.yes) \(f.safe) \(f.allowRead) \(f.allowWrite) \(f.timeout ?? -1) "
            + "\(f.maxMemoryMB ?? -1) \(f.verbose) \(f.quiet) \(f.noSharedLimit) \(f.saveState ?? "-")"
    }

    static func refusal(_ words: [String]) -> String? {
        do {
            _ = try B24Flags.read(words)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func noOptionsIsReadable() throws {
        // `none` holds values, not ArgumentParser's definitions, which trap when read: every
        // property wrapper of it is in its parsed state, as in a parsed value.
        let wrappers = Mirror(reflecting: B24Flags.none).children.map { String(reflecting: $0.value) }
        #expect(wrappers.count == Mirror(reflecting: try B24Flags.parse([])).children.count)
        for w in wrappers { #expect(!w.contains("definition"), "\(w)") }
        #expect(Self.fields(B24Flags.none) == Self.fields(try B24Flags.parse([])))
        #expect(Self.fields(B24Flags.none) == "nil - - - - false - - false false [] [] -1.0 -1.0 false false false -")
        // ArgumentParser's definition, for contrast, is told apart by the same reading.
        #expect(Mirror(reflecting: B24Flags()).children.contains { String(reflecting: $0.value).contains("definition") })
    }

    @Test(arguments: B24Flags.options.map(\.names[0]))
    func everyListedOptionIsRead(_ name: String) throws {
        let option = try #require(B24Flags.option(named: String(name.dropFirst(2))))
        let argument = option.value == nil ? name : name + "=" + Self.sample(name)
        let flags = try B24Flags.read([argument])
        #expect(Self.fields(flags) != Self.fields(.none), "\(argument) changed nothing")
        if option.value != nil, !option.valueIsOptional {
            // The value in the next word, as the script run groups it.
            #expect(B24Flags.span(of: [name, Self.sample(name)], at: 0) == 2)
            #expect(Self.fields(try B24Flags.read([name, Self.sample(name)])) == Self.fields(flags))
        } else if option.value == nil {
            #expect(B24Flags.span(of: [name, "script.lua"], at: 0) == 1)
            let message = try #require(Self.refusal([name + "=s3cret"]))
            #expect(message.contains("'\(name)' takes no value") && !message.contains("s3cret"), "\(message)")
        } else {
            // `--sandbox[=FIXTURE]`: the next word is the script, never the fixture.
            #expect(B24Flags.span(of: [name, "fixture.json"], at: 0) == 1)
        }
    }

    @Test func spansOfWordsThatAreNotOptionsWithValues() {
        #expect(B24Flags.span(of: ["--web-hook", "x"], at: 0) == nil)
        #expect(B24Flags.span(of: ["--"], at: 0) == nil)
        #expect(B24Flags.span(of: ["-e", "x"], at: 0) == nil)
        #expect(B24Flags.span(of: ["--webhook=u", "x"], at: 0) == 1)
        #expect(B24Flags.span(of: ["--timeout", "-5"], at: 0) == 1)
        #expect(B24Flags.span(of: ["--timeout"], at: 0) == 1)
        #expect(B24Flags.span(of: ["--sandbox-fixture", "x"], at: 0) == nil, "ArgumentParser's spelling is not an option of ours")
    }

    @Test func everyPlanNameAndAMisspeltOne() throws {
        for (name, plan) in RateLimitPlan.presets {
            #expect(try B24Flags.read(["--plan", name]).plan == plan)
            #expect(try B24Flags.read(["--plan=" + name]).plan == plan)
        }
        for bad in ["standrad", "Standard", "STANDARD", " standard", "standard ", "unlimited/5", "none", "standard/"] {
            let message = try #require(Self.refusal(["--plan=" + bad]), "'\(bad)'")
            #expect(message == "'--plan' is " + RateLimitPlan.argumentRule, "'\(bad)': \(message)")
        }
        // No value at all (`--plan=` is ArgumentParser's empty value): what it must be.
        for words in [["--plan"], ["--plan="], ["--plan", "--dry-run"]] {
            #expect(Self.refusal(words) == "'--plan' is " + RateLimitPlan.argumentRule, "\(words)")
        }
        #expect(Self.refusal(["--webhook"]) == "Missing value for '--webhook <URL>'")
        #expect(Self.refusal(["--timeout="]) == "'--timeout' needs a number in (0, 31536000]")
    }

    /// RATE/BURST at each bound of `RateLimitPlan.rateRange` and `burstRange`, and just past it.
    @Test func customPlansAtAndPastEachBound() throws {
        let (r, b) = (RateLimitPlan.rateRange, RateLimitPlan.burstRange)
        let f = RateLimitPlan.figure
        for (rate, burst) in [(r.lowerBound, b.lowerBound), (r.upperBound, b.upperBound), (r.lowerBound, b.upperBound),
                              (r.upperBound, b.lowerBound)] {
            let plan = try #require(try B24Flags.read(["--plan=\(f(rate))/\(f(burst))"]).plan)
            #expect(plan.drainPerSecond == rate && plan.burst == burst)
        }
        for (rate, burst) in [(r.lowerBound.nextDown, b.lowerBound), (r.upperBound.nextUp, b.lowerBound),
                              (r.lowerBound, b.lowerBound.nextDown), (r.lowerBound, b.upperBound.nextUp),
                              (0, b.lowerBound), (-r.lowerBound, b.lowerBound)] {
            let text = "\(rate)/\(burst)"
            #expect(Self.refusal(["--plan=" + text]) == "'--plan' is " + RateLimitPlan.argumentRule, "\(text)")
        }
    }

    /// A single value: the last one given wins, as with getopt; repeatable options keep all.
    @Test func eachOptionGivenTwice() throws {
        for option in B24Flags.options {
            let name = option.names[0]
            let words = option.value == nil ? [name, name] : [name + "=" + Self.sample(name), name + "=" + Self.sample(name)]
            #expect(throws: Never.self, "\(name) twice") { try B24Flags.read(words) }
        }
        let f = try B24Flags.read(["--webhook", "https://a.example/rest/1/a/", "--webhook=https://b.example/rest/1/b/",
                                   "--plan", "standard", "--plan=3/30", "--timeout", "5", "--timeout=7",
                                   "--allow-read", "a", "--allow-read=b", "--sandbox=one.json", "--sandbox=two.json"])
        #expect(f.webhook == "https://b.example/rest/1/b/")
        #expect(f.plan == .custom(rate: 3, burst: 30))
        #expect(f.timeout == 7)
        #expect(f.allowRead == ["a", "b"])
        #expect(f.sandbox == .some("two.json"))
        // `--sandbox` alone after a fixture keeps the fixture; `--sandbox=` is no fixture.
        #expect(try B24Flags.read(["--sandbox=one.json", "--sandbox"]).sandbox == .some("one.json"))
        #expect(try B24Flags.read(["--sandbox="]).sandbox == .some(nil))
        // A bad value is refused even when a good one follows.
        #expect(Self.refusal(["--timeout=abc", "--timeout=5"]) == "'--timeout' needs a number in (0, 31536000]")
    }

    /// What may be a secret, in every place a refusal could quote it.
    @Test func aSecretValueIsNeverEchoed() {
        let secret = "https://a.example/rest/1/s3cretC0de/"
        let cases: [[String]] = [
            ["--timeout=" + secret], ["--timeout", "9" + secret], ["--max-memory=" + secret], ["--plan=" + secret],
            ["--plan", secret + "/5"], ["--plan=5/" + secret], ["--dry-run=" + secret], ["--verbose=" + secret],
            ["--sandbox-fixture"], ["--timeout=" + secret + "\n' is invalid for '--timeout <x>'"],
            // Values that hold ArgumentParser's own words, so a reader of its message cannot tell them apart.
            ["--plan=x' is invalid for '--webhook <URL>' " + secret], ["--dry-run=x' was specified. " + secret + "' was specified."],
            ["--timeout=" + secret + "' is invalid for '--timeout <seconds>'"],
        ]
        for words in cases {
            guard let message = Self.refusal(words) else {
                Issue.record("\(words) was taken")
                continue
            }
            #expect(!message.contains("s3cretC0de"), "\(words): \(message)")
        }
    }

    @Test func scriptRunOptionsAreRefusedBySubcommands() throws {
        #expect(throws: UsageError.self) { try B24Flags.read(["--resume", "j.jsonl"]).refuseScriptRunOptions(in: "undo") }
        #expect(throws: UsageError.self) { try B24Flags.read(["--save-state=s.json"]).refuseScriptRunOptions(in: "diff") }
        try B24Flags.read(["--sandbox", "--dry-run", "--journal=j"]).refuseScriptRunOptions(in: "undo")
    }
}
