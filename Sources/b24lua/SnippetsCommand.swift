import ArgumentParser
import B24
import B24Lua
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// `b24lua snippets list | show NAME | path | run [options] NAME [args] | new NAME`
/// (README "Snippets"): one ArgumentParser subcommand each; `list` is the default.
struct SnippetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snippets",
        abstract: "The snippet library: list, show, path, run, new.",
        discussion: "NAME may omit the \"b24.snippets.\" prefix of a shipped snippet.",
        subcommands: [List.self, Show.self, Path.self, Run.self, New.self],
        defaultSubcommand: List.self)

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var catalog: SnippetCatalog {
        SnippetCatalog(scriptDirectory: nil, environment: environment, luaPath: luaDefaultPath())
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every snippet found, its summary, origin and what shadows what.")
        func run() throws { try SnippetsCommand.list(SnippetsCommand.catalog).end() }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the source require(NAME) loads.")
        @Argument(help: "The snippet's module name.", completion: CommandLineOption.Completion.snippets.kind) var name: String
        func run() throws { try SnippetsCommand.show(name, SnippetsCommand.catalog).end() }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The search path, in order.")
        func run() throws { try SnippetsCommand.path(SnippetsCommand.catalog).end() }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a snippet's main(args...).",
            discussion: """
                Portal options (--sandbox, --webhook, --dry-run, ...) come before NAME; after NAME they are \
                refused, unless after '--' (which passes them to the snippet).
                """)
        @Argument(parsing: .captureForPassthrough, help: "[portal options] NAME [args...]",
                  completion: CommandLineOption.Completion.snippets.kind)
        var arguments: [String] = []
        func run() throws {
            if arguments.first == "--help" { throw CleanExit.helpRequest(self) }
            guard !arguments.isEmpty else { throw ValidationError("which snippet? b24lua snippets run [options] NAME [args...]") }
            try SnippetsCommand.runSnippet(arguments, SnippetsCommand.catalog, SnippetsCommand.environment).end()
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A documented skeleton in the user directory.")
        @Argument(help: "The new module's name: Lua identifiers joined by dots.") var name: String
        func run() throws { try SnippetsCommand.create(name, environment: SnippetsCommand.environment).end() }
    }

    static let usage = """
        usage: b24lua snippets list                  every snippet found, its summary, origin, shadowing
               b24lua snippets show NAME             print the source require(NAME) loads
               b24lua snippets path                  the search path, in order
               b24lua snippets run [options] NAME [args...]   run a snippet's main(args...)
               b24lua snippets new NAME              a documented skeleton in the user directory
        NAME may omit the "b24.snippets." prefix of a shipped snippet.
        """

    static func list(_ catalog: SnippetCatalog) -> ExitStatus {
        let entries = catalog.entries()
        let nameWidth = entries.map(\.name.count).max() ?? 0
        let originWidth = entries.map(\.origin.rawValue.count).max() ?? 0
        for e in entries {
            var line = pad(e.name, nameWidth) + "  " + pad(e.origin.rawValue, originWidth) + "  " + e.header.summary
            if let winner = e.shadowedBy {
                line += "  [shadowed by \(winner.origin.rawValue): \(winner.location)]"
            } else if !e.shadows.isEmpty {
                line += "  [shadows " + e.shadows.map(\.origin.rawValue).joined(separator: ", ") + "]"
            }
            if e.origin != .shipped && e.shadowedBy == nil { line += "  (\(e.location))" }
            print(line)
        }
        fflush(nil)
        return .success
    }

    static func show(_ name: String, _ catalog: SnippetCatalog) -> ExitStatus {
        guard let found = resolve(name, catalog) else { return notFound(name, catalog) }
        // write(2), not FileHandle: FileHandle traps on EPIPE (`snippets show x | head`).
        var sent = 0
        while sent < found.source.count {
            let n = found.source[sent...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            sent += n
        }
        return .success
    }

    static func path(_ catalog: SnippetCatalog) -> ExitStatus {
        let width = (catalog.places.map(\.origin.rawValue.count) + [SnippetCatalog.Origin.script.rawValue.count]).max()!
        print(pad(SnippetCatalog.Origin.script.rawValue, width) + "  the running script's directory: DIR/?.lua;DIR/?/init.lua")
        for p in catalog.places {
            let what = p.origin == .shipped ? p.template + "  (inside the binary)" : p.template
            print(pad(p.origin.rawValue, width) + "  " + what)
        }
        fflush(nil)
        return .success
    }

    static func create(_ name: String, environment: [String: String]) -> ExitStatus {
        guard SnippetLibrary.isValidName(name) else {
            return fail(.usage, "snippets new: '\(name)' is not a module name (Lua identifiers joined by dots)")
        }
        let dir = ModuleSearchPath.userSnippetDirectory(environment: environment)
        let file = dir + "/" + name.replacing(".", with: "/") + ".lua"
        guard !FileManager.default.fileExists(atPath: file) else {
            return fail(.scriptError, "snippets new: \(file) already exists; not overwriting it")
        }
        do {
            try FileManager.default.createDirectory(atPath: FilePaths.directory(of: file),
                                                    withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file, contents: Data(SnippetLibrary.skeleton(name: name).utf8)) else {
                return fail(.scriptError, "snippets new: cannot write \(file)")
            }
        } catch {
            return fail(.scriptError, "snippets new: cannot create \(file): \(FileErrors.reason(error))")
        }
        print(file)
        StandardError.write("""
            created \(file)
            edit it, then: b24lua check \(file)
                           b24lua snippets run --sandbox \(name)
                           require "\(name)"  (from any script)

            """)
        return .success
    }

    /// `run [options] NAME [args]`: the portal options as `RunOptions` reads them, then a run of
    /// the usual runner whose only action requires the snippet and calls its `main(args...)`.
    static func runSnippet(_ args: [String], _ catalog: SnippetCatalog, _ environment: [String: String]) -> ExitStatus {
        var options = RunOptions()
        var i = 0
        do throws(UsageError) {
            var portal: [String] = []
            while i < args.count, args[i].hasPrefix("--") {
                if args[i] == "--" { i += 1; break }
                guard let span = B24Flags.span(of: args, at: i) else { throw RunOptions.unrecognized(args[i]) }
                portal += args[i..<(i + span)]
                i += span
            }
            options.b24 = try B24Flags.read(portal)
        } catch {
            return fail(.usage, "\(error)\n\(usage)")
        }
        guard i < args.count else { return fail(.usage, usage) }
        if args[i].hasPrefix("-") {
            // A lua option (-e, -l): only portal options come before NAME.
            return fail(.usage, "snippets run: unrecognized option '\(args[i].prefix(2))'\n\(usage)")
        }
        let snippetArguments: [String]
        do {
            snippetArguments = try MisplacedOptions.snippetArguments(Array(args[(i + 1)...]))
        } catch {
            return fail(.usage, "\(error)")
        }
        guard resolve(args[i], catalog) != nil else { return notFound(args[i], catalog) }
        let name = canonicalName(args[i], catalog)
        options.argv = ["b24lua"] + Array(args[..<i])
        options.actions = [.execute(SnippetLibrary.runnerChunk(module: name, arguments: snippetArguments,
                                                               shownAs: args[i]))]
        do {
            let runner = try ScriptRunner(options: options, environment: environment)
            var status = runner.run()
            if status == .success, runner.stack.getGlobal(SnippetLibrary.usageGlobal) == .string,
               let usage = runner.stack.string(at: -1) {
                // Too few arguments: the snippet's usage line, not a traceback (README "Snippets").
                status = fail(.usage, usage)
            } else if status == .success, runner.stack.getGlobal(SnippetLibrary.failedGlobal) == .number,
               (runner.stack.integer(at: -1) ?? 0) > 0 {
                status = .itemsFailed
            }
            fflush(nil)
            return status
        } catch {
            return fail(.scriptError, "\(error)")
        }
    }

    /// NAME as given, else `b24.snippets.NAME`: whichever the search path finds first.
    static func resolve(_ name: String, _ catalog: SnippetCatalog) -> (location: SnippetCatalog.Location, source: [UInt8])? {
        catalog.resolve(name) ?? (shortForm(name) ? catalog.resolve(SnippetLibrary.namespace + "." + name) : nil)
    }

    static func canonicalName(_ name: String, _ catalog: SnippetCatalog) -> String {
        catalog.resolve(name) != nil || !shortForm(name) ? name : SnippetLibrary.namespace + "." + name
    }

    static func shortForm(_ name: String) -> Bool { !name.hasPrefix(SnippetLibrary.namespace + ".") }

    /// One line, with the nearest names (a shipped snippet also by its short name); the places
    /// searched are what `snippets path` prints.
    static func notFound(_ name: String, _ catalog: SnippetCatalog) -> ExitStatus {
        var names = Set(catalog.entries().map(\.name))
        for n in names where n.hasPrefix(SnippetLibrary.namespace + ".") {
            names.insert(String(n.dropFirst(SnippetLibrary.namespace.count + 1)))
        }
        return fail(.usage, "no snippet '\(name)'" + NearNames.hint(for: name, among: names)
                    + " (b24lua snippets list: every snippet; b24lua snippets path: where they are looked for)")
    }

    /// Lua's own `package.path` (its defaults, or LUA_PATH_5_4 / LUA_PATH), searched last.
    static func luaDefaultPath() -> String {
        guard let lua = try? LuaState() else { return "" }
        guard lua.main.getGlobal("package") == .table else { return "" }
        _ = lua.main.rawGet(-1, key: "path")
        return lua.main.string(at: -1) ?? ""
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func fail(_ status: ExitStatus, _ message: String) -> ExitStatus {
        StandardError.write("b24lua: \(Redaction.redact(message))\n")
        return status
    }
}
