import Foundation
import Testing

/// `--help`, `--version`, and the man page and shell completions generated from the same
/// description of the command line (docs/command-line.md).
@Suite struct CommandLineDocsTests {
    @Test func helpPrintsTheUsageAndExitsZero() async throws {
        for flag in ["--help", "-h"] {
            let r = try await Binary.b24luaAsync([flag])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(flag): \(r.status) \(r.stderr)")
            #expect(r.stdout.hasPrefix("usage: b24lua [options] [script [args]]"), "\(flag): \(r.stdout)")
            for text in ["--webhook-file FILE", "--version", "-e stat", "Commands:", "undo", "snippets"] {
                #expect(r.stdout.contains(text), "\(flag) lacks \(text)")
            }
        }
        // After other options too; nothing runs.
        let late = try await Binary.b24luaAsync(["--sandbox", "-e", "print('ran')", "--help"])
        #expect(late.status == 0 && !late.stdout.contains("ran") && late.stdout.hasPrefix("usage: b24lua"))
        // A bad option still prints the usage on stderr, with status 2.
        let bad = try await Binary.b24luaAsync(["-z"])
        #expect(bad.status == 2 && bad.stderr.contains("usage: b24lua"))
    }

    @Test func versionNamesB24luaLuaAndTheBuild() async throws {
        let r = try await Binary.b24luaAsync(["--version"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("b24lua ") == true)
        #expect(r.stdout.contains("Lua 5.4"))
        // The tests run from a git checkout: the build names a commit of it (HEAD when it was
        // built; a later commit does not rebuild the binary `swift test --skip-build` runs).
        let build = try #require(lines.last)
        #expect(build.hasPrefix("build: commit ") && build.hasSuffix(", debug"), "\(build)")
        let commit = String(build.dropFirst("build: commit ".count).prefix { $0 != "," && $0 != "-" })
        #expect(commit.count == 12 && commit.allSatisfy(\.isHexDigit), "\(build)")
        let known = try await Binary.runAsync("/usr/bin/git", ["-C", Binary.packageRoot.path, "cat-file", "-e", commit + "^{commit}"])
        #expect(known.status == 0, "\(commit) is no commit of this checkout: \(known.stderr)")
        // -v keeps lua(1)'s meaning: the version line, then the run goes on.
        let v = try await Binary.b24luaAsync(["-v", "-e", "print('ran')"])
        #expect(v.status == 0 && v.stdout.hasPrefix("b24lua ") && v.stdout.contains("Copyright") && v.stdout.hasSuffix("ran\n"))
    }

    /// Every option `b24lua --help` lists, and every subcommand's options (`b24lua CMD --help`),
    /// by command: [] is b24lua itself.
    static func optionsFromHelp() async throws -> [[String]: Set<String>] {
        var found: [[String]: Set<String>] = [:]
        let main = try await Binary.b24luaAsync(["--help"])
        found[[]] = options(in: main.stdout)
        let commandsSection = main.stdout.components(separatedBy: "Commands:\n").last ?? ""
        var queue = commandsSection.split(separator: "\n").compactMap { $0.split(separator: " ").first.map { [String($0)] } }
        #expect(queue.count >= 6, "\(main.stdout)")
        while let path = queue.popLast() {
            let r = try await Binary.b24luaAsync(path + ["--help"])
            #expect(r.status == 0, "\(path) --help: \(r.stderr)")
            let sections = r.stdout.components(separatedBy: "\n\n")
            let optionText = sections.filter { $0.hasPrefix("OPTIONS:") || $0.hasPrefix("ARGUMENTS:") }.joined(separator: "\n")
            found[path] = options(in: optionText)
            if let subs = sections.first(where: { $0.hasPrefix("SUBCOMMANDS:") }) {
                for line in subs.split(separator: "\n").dropFirst() where !line.hasPrefix("   ") {  // not a wrapped summary
                    if let name = line.split(separator: " ").first { queue.append(path + [String(name)]) }
                }
            }
        }
        return found
    }

    /// `  -h, --help   …` and `  --sandbox[=FIXTURE.json]  …`: the names on option lines.
    static func options(in text: String) -> Set<String> {
        var names = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("  -") {
            for word in line.dropFirst(2).components(separatedBy: ", ") {
                guard let name = word.split(separator: " ").first.map(String.init), name.hasPrefix("-") else { break }
                names.insert(String(name.prefix { $0 != "[" && $0 != "=" }))
                if !word.hasPrefix("-") || word.contains("  ") { break }
            }
        }
        return names
    }

    @Test func manPageAndCompletionsListEveryOptionOfHelp() async throws {
        let byCommand = try await Self.optionsFromHelp()
        #expect(byCommand[[]]?.isSuperset(of: ["-e", "-h", "--help", "--version", "--webhook", "--no-shared-limit"]) == true)
        #expect(byCommand[["sandbox", "serve"]]?.contains("--fault-rate") == true, "\(byCommand.keys)")
        var generated: [String: String] = [:]
        for what in ["man", "bash", "zsh", "fish"] {
            let r = try await Binary.b24luaAsync(["__generate", what])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(what): \(r.stderr)")
            generated[what] = r.stdout
        }
        let man = generated["man"]!.replacing("\\-", with: "-")
        for (path, options) in byCommand {
            if !path.isEmpty { #expect(man.contains(".SS \"b24lua \(path.joined(separator: " "))\""), "man lacks the section of \(path)") }
            for option in options {
                #expect(man.contains("\\fB\(option)\\fR"), "man page lacks \(path) \(option)")
                for shell in ["bash", "zsh"] {
                    // The spec line of the command's node lists it.
                    let node = "\"\(path.joined(separator: " "))\") opts=\""
                    let line = generated[shell]!.split(separator: "\n").first { $0.contains(node) } ?? ""
                    let opts = line.components(separatedBy: node).last?.split(separator: "\"").first ?? ""
                    #expect(opts.split(separator: " ").contains(Substring(option)), "\(shell) completion lacks \(path) \(option)")
                }
                let fishName = option.hasPrefix("--") ? "-l \(option.dropFirst(2))" : "-s \(option.dropFirst())"
                if option != "--", option != "-" {
                    #expect(generated["fish"]!.contains(fishName), "fish completion lacks \(path) \(option)")
                }
            }
        }
    }

    /// bash, as a user's shell runs it: the script sourced, `complete -p`, then the completion
    /// function over COMP_WORDS, with a config file of two profiles.
    @Test func bashCompletesSubcommandsOptionsAndNames() async throws {
        let dir = try Binary.temporaryDirectory()
        let script = dir.appendingPathComponent("b24lua.bash")
        try (try await Binary.b24luaAsync(["__generate", "bash"])).stdout.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b24lua"), withIntermediateDirectories: true)
        try "[profiles.prod]\nwebhook = \"https://a.example/rest/1/x/\"\n[profiles.staging]\nwebhook = \"https://b.example/rest/1/y/\"\n"
            .write(to: dir.appendingPathComponent("b24lua/config.toml"), atomically: true, encoding: .utf8)
        // A config file that holds a webhook must be private (README "Choosing the portal").
        try FileManager.default.setAttributes([.posixPermissions: 0o600],
                                              ofItemAtPath: dir.appendingPathComponent("b24lua/config.toml").path)
        func complete(_ words: [String]) async throws -> [String] {
            let quoted = ([Binary.b24lua] + words).map { "'" + $0.replacing("'", with: "'\\''") + "'" }.joined(separator: " ")
            let program = """
                source '\(script.path)' || exit 9
                complete -p b24lua >/dev/null || exit 8
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count)
                _b24lua; printf '%s\\n' "${COMPREPLY[@]}"
                """
            let r = try await Binary.runAsync("/bin/bash", ["--norc", "--noprofile", "-c", program],
                                              environment: ["XDG_CONFIG_HOME": dir.path], directory: dir)
            #expect(r.status == 0, "\(words): \(r.status) \(r.stderr)")
            return r.stdout.split(separator: "\n").map(String.init).sorted()
        }
        let first = try await complete([""])
        #expect(Set(first).isSuperset(of: ["check", "doc", "repl", "sandbox", "snippets", "undo", "b24lua.bash"]), "\(first)")
        #expect(try await complete(["--pro"]) == ["--profile"])
        #expect(try await complete(["--profile", ""]) == ["prod", "staging"])
        #expect(try await complete(["--profile", "=", "st"]) == ["staging"])
        #expect(try await complete(["--plan", "=", ""]) == ["enterprise", "standard", "unlimited"])
        #expect(try await complete(["--ver"]) == ["--verbose", "--version"])
        #expect(try await complete(["doc", "chat_user_"]) == ["chat_user_add", "chat_user_delete"])
        #expect(try await complete(["doc", "--emit", ""]) == ["luacheck", "luals"])
        #expect(try await complete(["snippets", ""]).contains("run"))
        let snippets = try await complete(["snippets", "run", "remove_"])
        #expect(snippets == ["remove_bot_from_line", "remove_user"], "\(snippets)")
        #expect(try await complete(["--webhook-file", "f", "undo", "--dry"]) == ["--dry-run"])
        #expect(try await complete(["undo", "--profile", "p"]) == ["prod"])
        #expect(try await complete(["sandbox", "serve", "--fault"]) == ["--fault-rate"])
        #expect(try await complete(["sandbox", "serve", "--plan", ""]) == ["enterprise", "standard", "unlimited"])
        // After the script's name, the words are the script's: no b24lua option is offered.
        #expect(try await complete(["job.lua", "--pro"]) == [])
    }

    /// fish runs its completions for real (`complete -C`); zsh's script must at least parse.
    @Test func fishCompletesAndZshParses() async throws {
        let dir = try Binary.temporaryDirectory()
        let fish = dir.appendingPathComponent("b24lua.fish"), zsh = dir.appendingPathComponent("_b24lua")
        try (try await Binary.b24luaAsync(["__generate", "fish"])).stdout.write(to: fish, atomically: true, encoding: .utf8)
        try (try await Binary.b24luaAsync(["__generate", "zsh"])).stdout.write(to: zsh, atomically: true, encoding: .utf8)
        let path = URL(fileURLWithPath: Binary.b24lua).deletingLastPathComponent().path + ":/usr/bin:/bin"
        func complete(_ line: String) async throws -> [String] {
            let r = try await Binary.runAsync("/usr/bin/fish", ["--no-config", "-c", "source '\(fish.path)'; complete -C '\(line)'"],
                                              environment: ["PATH": path, "HOME": dir.path], directory: dir)
            #expect(r.status == 0, "\(line): \(r.stderr)")
            return r.stdout.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }.sorted()
        }
        #expect(Set(try await complete("b24lua ")).isSuperset(of: ["undo", "doc", "snippets"]))
        #expect(try await complete("b24lua --no-sh") == ["--no-shared-limit"])
        #expect(try await complete("b24lua doc chat_user_") == ["chat_user_add", "chat_user_delete"])
        #expect(try await complete("b24lua snippets run remove_u") == ["remove_user"])
        #expect(try await complete("b24lua sandbox serve --fault") == ["--fault-rate"])
        let parsed = try await Binary.runAsync("/usr/bin/zsh", ["-n", zsh.path])
        #expect(parsed.status == 0, "\(parsed.stderr)")
    }

    /// `man -l` formats the page without a warning, and it reads as b24lua(1).
    @Test func manShowsThePage() async throws {
        let dir = try Binary.temporaryDirectory()
        let page = dir.appendingPathComponent("b24lua.1")
        try (try await Binary.b24luaAsync(["__generate", "man"])).stdout.write(to: page, atomically: true, encoding: .utf8)
        let r = try await Binary.runAsync("/usr/bin/man", ["-l", page.path],
                                          environment: ["MANWIDTH": "100", "PAGER": "cat", "LANG": "C.UTF-8"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        for text in ["B24LUA(1)", "SYNOPSIS", "--webhook-file FILE", "b24lua sandbox serve", "--fault-rate", "EXIT STATUS", "B24_WEBHOOK_URL"] {
            #expect(r.stdout.contains(text), "man -l lacks \(text)")
        }
    }
}
