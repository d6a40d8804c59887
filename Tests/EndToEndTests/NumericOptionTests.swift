import B24Sandbox
import Foundation
import Testing

/// Numbers from the user never trap (README "Other options", "Knobs"): out of range, negative,
/// NaN and infinite values of every numeric option are usage errors, exit status 2.
@Suite struct NumericOptionTests {
    /// Values no numeric option accepts: each either is not a finite number or lies beyond
    /// every option's range.
    static let hostile = ["1e16", "1e13", "-1", "-0.5", "nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e309",
                          "0x1p2000", "9223372036854775808", "abc", "", " 5", "5s", "1e-400", "-1e-300"]

    static func expectUsageError(_ r: ProcessResult, _ what: String, mentions name: String) {
        #expect(r.status == 2, "\(what): status \(r.status), stderr \(r.stderr)")
        #expect(r.stderr.contains(name), "\(what): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "\(what): \(r.stderr)")
    }

    @Test(arguments: ["timeout", "max-memory"])
    func runLimits(_ option: String) async throws {
        for v in Self.hostile + ["0", "-0"] {
            let r = try await Binary.b24luaAsync(["--\(option)=\(v)", "-e", "print(1)"])
            Self.expectUsageError(r, "--\(option)=\(v)", mentions: "'--\(option)' needs a number in")
        }
        // Negative values as the next argument read as an option: still a usage error.
        Self.expectUsageError(try await Binary.b24luaAsync(["--\(option)", "-5", "-e", "print(1)"]), "--\(option) -5", mentions: "--\(option)")
    }

    @Test func runLimitsAtTheirBounds() async throws {
        for args in [["--timeout", "31536000"], ["--timeout", "0.001e3"], ["--max-memory", "1048576"], ["--max-memory", "64"]] {
            let r = try await Binary.b24luaAsync(args + ["-e", "print('ran')"])
            #expect(r.status == 0 && r.stdout == "ran\n", "\(args): \(r.stderr)")
        }
        Self.expectUsageError(try await Binary.b24luaAsync(["--timeout", "31536000.5", "-e", "print(1)"]), "just past a year", mentions: "--timeout")
        Self.expectUsageError(try await Binary.b24luaAsync(["--max-memory", "1048577", "-e", "print(1)"]), "just past 1 TiB", mentions: "--max-memory")
    }

    @Test func customPlans() async throws {
        let hostile = ["1e-300/1", "1/1e300", "nan/5", "5/nan", "inf/5", "5/inf", "0/5", "-1/5", "5/0", "5/0.5", "0.0001/5",
                       "100001/5", "5/1000001", "5/", "/5", "/", "1/2/3", "5//5", "abc/5", "1e-400/5"]
        for p in hostile {
            Self.expectUsageError(try await Binary.b24luaAsync(["--sandbox", "--plan", p, "-e", "print(1)"]), "--plan \(p)", mentions: "'--plan'")
            Self.expectUsageError(try await Binary.b24luaAsync(["undo", "j.jsonl", "--plan=\(p)"]), "undo --plan \(p)", mentions: "'--plan'")
        }
        for p in ["0.001/1", "100000/1000000", "2/50"] {
            let r = try await Binary.b24luaAsync(["--sandbox", "--plan", p, "-e", "print(b24.call('user.current').ID)"])
            #expect(r.status == 0 && r.stdout == "1\n", "--plan \(p): \(r.stderr)")
        }
    }

    static let knobNames = ["rate", "burst", "operating-limit", "processing-ms", "token-ttl", "latency-ms", "fault-rate"]

    /// None of these may start a server: each is refused before anything binds, so the run ends
    /// at once (a value let through would serve until the runner's guard kills it).
    @Test(arguments: knobNames)
    func sandboxKnobs(_ knob: String) async throws {
        var values = Self.hostile.filter { $0 != "1e-400" }  // that one is 0, in range for most knobs
        // Just outside the documented range, on both sides.
        let range = try #require(SandboxOptions.range(of: knob.replacing("-", with: "_")))
        values += [String(range.lowerBound - 0.0001), String(range.upperBound + 0.0001), String(range.upperBound * 10)]
        if knob == "fault-rate" { values += ["1.5", "1.0000001"] }
        if knob == "rate" { values += ["0"] }
        if knob == "burst" { values += ["0", "0.5"] }
        for v in values {
            let r = try await Binary.b24luaAsync(["sandbox", "serve", "--port", "0", "--\(knob)=\(v)"], timeout: 30)
            Self.expectUsageError(r, "--\(knob)=\(v)", mentions: "--\(knob)")
        }
    }

    @Test func sandboxPort() async throws {
        for v in ["-1", "65536", "99999", "1e5", "99999999999999999999", "nan", "abc", "", "8024.5"] {
            let r = try await Binary.b24luaAsync(["sandbox", "serve", "--port=\(v)"], timeout: 30)
            Self.expectUsageError(r, "--port=\(v)", mentions: "port")
        }
        let help = try await Binary.b24luaAsync(["sandbox", "serve", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--fault-rate"))
    }

    /// The same ranges for a fixture's "limits", in-process (--sandbox=FIXTURE) and served.
    @Test func fixtureLimits() async throws {
        let dir = try Binary.temporaryDirectory()
        for (key, value) in [("latency_ms", "1e30"), ("token_ttl", "1e300"), ("rate", "1e-300"), ("fault_rate", "2"),
                             ("processing_ms", "-1"), ("operating_limit", "1e300"), ("burst", "0")] {
            let dump = try await Binary.b24luaAsync(["sandbox", "dump"])
            var text = dump.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            text.removeLast()  // the closing brace: append "limits"
            text += ", \"limits\": {\"\(key)\": \(value)}}"
            let file = dir.appendingPathComponent("\(key).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let inProcess = try await Binary.b24luaAsync(["--sandbox=\(file.path)", "-e", "print(1)"])
            Self.expectUsageError(inProcess, "in-process limits.\(key) = \(value)", mentions: "limits.\(key)")
            let served = try await Binary.b24luaAsync(["sandbox", "serve", "--port", "0", "--data", file.path], timeout: 30)
            Self.expectUsageError(served, "served limits.\(key) = \(value)", mentions: "limits.\(key)")
        }
    }

    /// A usage message names the option, never its value (README "Other options"): a value in
    /// the wrong place may be a pasted secret, and a number quoted back helps no one.
    @Test func usageMessagesNameTheOptionNotItsValue() async throws {
        let secret = "s3cr3tC0DE"
        let cases: [[String]] = [
            ["--timeout=\(secret)", "-e", "print(1)"], ["--timeout", "9\(secret)", "-e", "print(1)"],
            ["--max-memory=\(secret)", "-e", "print(1)"], ["--timeout=77777777777", "-e", "print(1)"],
            ["--sandbox", "--plan", "\(secret)/5", "-e", "print(1)"], ["--sandbox", "--plan=5/\(secret)", "-e", "print(1)"],
            ["--plan=88888888888/5", "-e", "print(1)"],
            ["undo", "j.jsonl", "--plan=\(secret)"], ["undo", "j.jsonl", "--timeout=\(secret)"],
            ["sandbox", "serve", "--port", "0", "--rate=\(secret)"], ["sandbox", "serve", "--port", "0", "--rate=77777777777"],
            ["sandbox", "serve", "--port=77777777777"], ["sandbox", "serve", "--port", "77777"],
        ]
        for args in cases {
            let r = try await Binary.b24luaAsync(args, timeout: 30)
            #expect(r.status == 2, "\(args): status \(r.status), \(r.stderr)")
            for leak in [secret, "77777", "88888"] {
                #expect(!r.stderr.contains(leak), "\(args) quotes its value: \(r.stderr)")
            }
        }
    }
}
