import B24
import B24Run
import LuaHost

/// The main command's own options, lua(1)'s and `--help`/`--version`, described once: `RunOptions`
/// reads them, and `--help`, the man page and the completions list them with the portal and run
/// options of `B24Flags.options` (docs/command-line.md).
enum MainOptions {
    static let lua: [CommandLineOption] = [
        .init(["-e"], value: "stat", "execute string 'stat'"),
        .init(["-i"], "enter interactive mode after executing 'script'"),
        .init(["-l"], value: "mod", "require library 'mod' into global 'mod' (-l g=mod: into global 'g')"),
        .init(["-v"], "show version information"),
        .init(["-E"], "ignore environment variables"),
        .init(["-W"], "turn warnings on"),
        .init(["--"], "stop handling options"),
        .init(["-"], "stop handling options and execute stdin"),
    ]

    static let help = CommandLineOption(["-h", "--help"], "print this help and exit")
    static let version = CommandLineOption(["--version"], "print b24lua's version, the Lua it embeds and the build, and exit")
    static let about = [help, version]

    /// Every option of the main command, in `--help`'s order.
    static var all: [CommandLineOption] { lua + about + B24Flags.options }

    /// The subcommands' names and one-line summaries, from their ArgumentParser configurations.
    static var commands: [(name: String, abstract: String)] {
        SubcommandRun.root.configuration.subcommands.map {
            ($0.configuration.commandName ?? "\($0)", $0.configuration.abstract)
        }
    }

    static var usage: String {
        func lines(_ options: [CommandLineOption], width: Int) -> String {
            let width = max(width, (options.map(\.synopsis.count).max() ?? 0) + 1)
            return options.map { o in
                let left = "  " + o.synopsis.paddedRight(to: width)
                return left + " " + o.help + (o.environment.map { " (\($0))" } ?? "")
            }.joined(separator: "\n")
        }
        let names = commands.map(\.name)
        let width = (names.map(\.count).max() ?? 0) + 2
        let commandLines = commands.map { "  " + $0.name.paddedRight(to: width) + $0.abstract }
        return """
            usage: b24lua [options] [script [args]]
                   b24lua COMMAND [options] (b24lua COMMAND --help)
            Available options are:
            \(lines(lua + about, width: 9))
            Portal and run options:
            \(lines(B24Flags.options, width: 25))
            Commands:
            \(commandLines.joined(separator: "\n"))
            """
    }

    /// `--version`: b24lua's version, the Lua it embeds, and the build: its git commit when it
    /// was built from a checkout (Plugins/BuildInfo), and whether it is a debug build.
    static var versionText: String {
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return """
            b24lua \(B24LuaVersion.string)
            embeds \(LuaState.luaCopyright)
            build: \(buildCommit.map { "commit \($0)" } ?? "not built from a git checkout"), \(configuration)
            """
    }
}
