import B24
import B24Wire
import Foundation
import Testing

/// The portal options as a user gives them to the binary (docs/command-line.md, "The portal and
/// run options"): one ArgumentParser reading for the script run, `repl`, `snippets run` and the
/// subcommands, each refusal a usage error (status 2) that names the option, never its value.
@Suite struct PortalOptionParsingTests {
    static let secret = "S3cretC0de55"
    static let planRule = "'--plan' is " + RateLimitPlan.argumentRule

    static func expectRefused(_ r: ProcessResult, _ what: String, saying text: String) {
        #expect(r.status == 2, "\(what): status \(r.status), \(r.stderr)")
        #expect(r.stderr.contains(text), "\(what): \(r.stderr)")
        #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret), "\(what) quotes its value: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"), "\(what): \(r.stderr)")
    }

    /// Every place a plan is read from the command line, with a misspelt preset and a secret.
    @Test func aBadPlanSaysTheRuleWherever() async throws {
        let places: [(String) -> [String]] = [
            { ["--plan", $0, "-e", "print(1)"] }, { ["--plan=\($0)", "-e", "print(1)"] },
            { ["repl", "--plan=\($0)"] }, { ["snippets", "run", "--plan", $0, "remove_user"] },
            { ["undo", "j.jsonl", "--plan=\($0)"] }, { ["--plan", $0, "undo", "j.jsonl"] },
            { ["snapshot", "-o", "s.json", "--plan", $0] }, { ["diff", "a.json", "--plan=\($0)"] },
        ]
        for place in places {
            for value in ["standrad", "\(Self.secret)/5", "Standard"] {
                let args = place(value)
                let r = try await Binary.b24luaAsync(args, timeout: 30)
                Self.expectRefused(r, "\(args)", saying: Self.planRule)
                #expect(!r.stderr.contains("standrad"), "\(args): \(r.stderr)")
            }
        }
    }

    @Test func everyPresetRuns() async throws {
        for name in RateLimitPlan.presetNames {
            let r = try await Binary.b24luaAsync(["--sandbox", "--plan", name, "-e", "print(b24.call('user.current').ID)"])
            #expect(r.status == 0 && r.stdout == "1\n", "--plan \(name): \(r.stderr)")
        }
    }

    /// A misspelt option of the script run is named with the nearest ones, never with its value.
    @Test func aMisspeltOptionSaysWhatItMeant() async throws {
        let r = try await Binary.b24luaAsync(["--dry-rn", "-e", "print(1)"])
        Self.expectRefused(r, "--dry-rn", saying: "unrecognized option '--dry-rn'; did you mean --dry-run?")
        let hook = try await Binary.b24luaAsync(["--web-hook=https://x.bitrix24.ru/rest/1/\(Self.secret)/", "s.lua"])
        Self.expectRefused(hook, "--web-hook=", saying: "unrecognized option '--web-hook'; did you mean --webhook?")
        let undo = try await Binary.b24luaAsync(["undo", "j.jsonl", "--dry-rn"])
        Self.expectRefused(undo, "undo --dry-rn", saying: "Did you mean '--dry-run'?")
    }

    /// A value in the next word, a flag given a value, a value missing: each named, none quoted.
    @Test func valuesInEveryPosition() async throws {
        for args in [["--timeout", "\(Self.secret)", "-e", "print(1)"], ["--dry-run=\(Self.secret)", "-e", "print(1)"],
                     ["undo", "--dry-run=\(Self.secret)", "j.jsonl"], ["--max-memory=9\(Self.secret)", "undo", "j.jsonl"]] {
            let r = try await Binary.b24luaAsync(args, timeout: 30)
            Self.expectRefused(r, "\(args)", saying: args.contains { $0.hasPrefix("--dry-run") } ? "'--dry-run' takes no value"
                               : args.contains { $0.hasPrefix("--timeout") } ? "'--timeout' needs a number in" : "'--max-memory' needs a number in")
        }
        let missing = try await Binary.b24luaAsync(["-e", "print(1)", "--webhook"])
        Self.expectRefused(missing, "--webhook at the end", saying: "Missing value for '--webhook <URL>'")
    }

    /// A value that holds ArgumentParser's own words around it cannot make the message keep
    /// part of it (the value is cut up to the last of those words).
    @Test func aValueHoldingTheMessagesWordsIsStillCut() async throws {
        for args in [["sandbox", "serve", "--port", "0", "--rate=x' is invalid \(Self.secret)' is invalid"],
                     ["undo", "--dry-run=x' was specified. \(Self.secret)", "j.jsonl"],
                     ["--plan=x' is invalid for '--webhook <URL>' \(Self.secret)", "-e", "print(1)"]] {
            let r = try await Binary.b24luaAsync(args, timeout: 30)
            Self.expectRefused(r, "\(args)", saying: "b24lua")
        }
    }

    /// A script run's only options are refused by the subcommands rather than left unread.
    @Test func scriptRunOptionsAreRefusedBySubcommands() async throws {
        for args in [["undo", "j.jsonl", "--resume", "r.jsonl"], ["--save-state=s.json", "undo", "j.jsonl"],
                     ["snapshot", "-o", "s.json", "--sandbox", "--save-state", "after.json"], ["diff", "a.json", "--resume=r"]] {
            let r = try await Binary.b24luaAsync(args, timeout: 30)
            Self.expectRefused(r, "\(args)", saying: "is for a script run")
        }
    }

    /// Given twice, the last value wins, in the script run as in ArgumentParser's subcommands.
    @Test func theLastValueWins() async throws {
        let r = try await Binary.b24luaAsync(["--sandbox", "--timeout", "0.001", "--timeout=60", "--plan=standard", "--plan", "unlimited",
                                              "-e", "print(b24.call('user.current').ID)"])
        #expect(r.status == 0 && r.stdout == "1\n", "\(r.stderr)")
    }
}
