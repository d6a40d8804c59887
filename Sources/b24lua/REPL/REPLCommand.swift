import ArgumentParser
import B24
import B24Run
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `b24lua repl [options]`: the interactive session, with lua's options (-e, -l, -E, -W) and
/// the portal options run first. Those are read the lua(1) way (`RunOptions`), so they are
/// handed over as they came.
struct REPLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "An interactive session (lua's -e, -l, -E, -W and the portal options apply).")

    @Argument(parsing: .captureForPassthrough, help: "lua(1) options and portal options, as for a script run.")
    var options: [String] = []

    func run() throws {
        // Everything else is lua(1)'s to read; `--help` first is ours.
        if options.first == "--help" { throw CleanExit.helpRequest(self) }
        try Self.start(options).end()
    }

    static func start(_ arguments: [String]) -> ExitStatus {
        var options: RunOptions
        do {
            options = try RunOptions.parse([CommandLine.arguments[0]] + arguments)
        } catch {
            StandardError.write("b24lua: \(error)\n")
            return .usage
        }
        guard options.script == nil else {
            StandardError.write("b24lua: usage: b24lua repl [-e stat] [-l mod] (no script)\n")
            return .usage
        }
        options.interactive = true
        do {
            return try ScriptRunner(options: options, environment: ProcessInfo.processInfo.environment).run()
        } catch {
            StandardError.write("b24lua: \(error)\n")
            return .scriptError
        }
    }
}
