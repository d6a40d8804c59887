import ArgumentParser
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The whole command line as the man page and the shell completions describe it
/// (docs/command-line.md): the main command's options from `MainOptions` (the table its parser
/// reads), and every subcommand, with its options and arguments, from ArgumentParser's own
/// description of them (the one `--experimental-dump-help` prints). A new subcommand, or a new
/// option of one, appears in both without a line written here.
struct CommandTree {
    struct Argument {
        var name: String
        var help: String
        var completion: CommandLineOption.Completion
    }

    struct Command {
        /// The words that lead to it: [] for b24lua itself, ["sandbox", "serve"].
        var path: [String]
        var abstract: String
        var discussion: String
        var options: [CommandLineOption]
        var arguments: [Argument]
        var subcommands: [Command]

        var name: String { path.last ?? "b24lua" }
        /// Every command below this one, this one first.
        var all: [Command] { [self] + subcommands.flatMap(\.all) }
    }

    var main: Command

    static func current() throws -> CommandTree {
        let info = try JSONDecoder().decode(DumpedTool.self, from: Data(SubcommandRun.root._dumpHelp().utf8))
        // ArgumentParser's own `help` subcommand is not b24lua's: `b24lua help` runs a script named help.
        let subcommands = (info.command.subcommands ?? []).filter { ($0.shouldDisplay ?? true) && $0.commandName != "help" }
            .map { command([], $0) }
        let main = Command(path: [], abstract: "Lua 5.4 scripting for Bitrix24 Open Channel chat maintenance",
                           discussion: "", options: MainOptions.all,
                           arguments: [Argument(name: "script", help: "the Lua script to run, then its arguments", completion: .file)],
                           subcommands: subcommands)
        return CommandTree(main: main)
    }

    private static func command(_ parent: [String], _ c: DumpedTool.Command) -> Command {
        let path = parent + [c.commandName]
        var options: [CommandLineOption] = []
        var arguments: [Argument] = []
        for a in c.arguments ?? [] where a.shouldDisplay {
            let completion = completionOf(a)
            if a.kind == "positional" {
                arguments.append(Argument(name: a.valueName ?? "arg", help: a.abstract ?? "", completion: completion))
                continue
            }
            let names = (a.names ?? []).map { $0.kind == "short" ? "-" + $0.name : "--" + $0.name }
                .sorted { $0.count < $1.count }
            guard !names.isEmpty else { continue }
            options.append(CommandLineOption(names, value: a.kind == "option" ? (a.valueName ?? "value") : nil,
                                             a.abstract ?? "", completion: a.kind == "option" ? completion : .none))
        }
        let subs = (c.subcommands ?? []).filter { $0.shouldDisplay ?? true }.map { command(path, $0) }
        return Command(path: path, abstract: c.abstract ?? "", discussion: c.discussion ?? "", options: options,
                       arguments: arguments, subcommands: subs)
    }

    /// ArgumentParser's completion kinds as b24lua's; `b24lua __complete KIND` as `.dynamic`.
    private static func completionOf(_ a: DumpedTool.Argument) -> CommandLineOption.Completion {
        if let values = a.allValues, !values.isEmpty { return .values(values) }
        guard let kind = a.completionKind else { return .file }  // ArgumentParser's default
        if let list = kind.list { return .values(list.values) }
        if kind.directory != nil { return .directory }
        let complete = CommandLineOption.Completion.completeCommand
        if let command = kind.shellCommand?.command, command.hasPrefix(complete + " ") {
            return .dynamic(String(command.dropFirst(complete.count + 1)))
        }
        return kind.file != nil ? .file : .none
    }
}

/// The part of ArgumentParser's JSON description (`ToolInfoV0`) the tree reads.
private struct DumpedTool: Decodable {
    struct Name: Decodable { var kind: String; var name: String }
    struct Kind: Decodable {
        struct List: Decodable { var values: [String] }
        struct Command: Decodable { var command: String }
        struct Empty: Decodable {}
        var list: List?
        var file: Empty?
        var directory: Empty?
        var shellCommand: Command?
    }
    struct Argument: Decodable {
        var kind: String
        var shouldDisplay: Bool
        var names: [Name]?
        var valueName: String?
        var allValues: [String]?
        var completionKind: Kind?
        var abstract: String?
    }
    struct Command: Decodable {
        var commandName: String
        var shouldDisplay: Bool?
        var abstract: String?
        var discussion: String?
        var subcommands: [Command]?
        var arguments: [Argument]?
    }
    var command: Command
}
