import B24
import B24Lua
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Commands for scripts/install and the completion scripts, not for people, so `--help` does
/// not list them (docs/command-line.md):
///   b24lua __generate man|bash|zsh|fish   the man page or a completion script, on stdout
///   b24lua __complete profiles|snippets|topics   names only a run can list, one a line
/// A script named like them runs by its path (`b24lua ./__generate`), as for the subcommands.
enum HiddenCommands {
    /// The status, or nil when `argv` is not one of them.
    static func run(_ argv: [String]) -> ExitStatus? {
        guard argv.count >= 2, ["__generate", "__complete"].contains(argv[1]) else { return nil }
        guard argv.count == 3 else {
            complain("usage: b24lua \(argv[1]) " + (argv[1] == "__generate" ? "man|bash|zsh|fish" : "profiles|snippets|topics"))
            return .usage
        }
        return argv[1] == "__generate" ? generate(argv[2]) : complete(argv[2])
    }

    static func generate(_ what: String) -> ExitStatus {
        let tree: CommandTree
        do { tree = try CommandTree.current() } catch {
            complain("cannot describe the command line: \(error)")
            return .scriptError
        }
        let text: String
        switch what {
        case "man": text = ManPage.page(tree)
        case "bash": text = BashCompletion.script(tree)
        case "zsh": text = ZshCompletion.script(tree)
        case "fish": text = FishCompletion.script(tree)
        default:
            complain("__generate: man, bash, zsh or fish")
            return .usage
        }
        print(text, terminator: "")
        return .success
    }

    /// Never an error message: a completion shows nothing rather than noise.
    static func complete(_ what: String) -> ExitStatus {
        let environment = ProcessInfo.processInfo.environment
        var names: [String] = []
        switch what {
        case "profiles":
            if let config = try? ConfigFile.load(environment: environment) {
                names = config.document["profiles"]?.objectValue?.keys ?? []
            }
        case "snippets":
            for entry in SnippetsCommand.catalog.entries() {
                names.append(entry.name)
                let prefix = SnippetLibrary.namespace + "."
                if entry.origin == .shipped, entry.name.hasPrefix(prefix) { names.append(String(entry.name.dropFirst(prefix.count))) }
            }
        case "topics":
            names = (try? DocCommand.load().keys.map { $0 }) ?? []
        default:
            return .usage
        }
        for name in Set(names).sorted() { print(name) }
        return .success
    }
}
