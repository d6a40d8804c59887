import B24Run
import Foundation

/// `b24lua repl [options]`: the interactive session, with lua's options (-e, -l, -E, -W)
/// run first.
enum REPLCommand {
    static func run(_ arguments: [String]) -> ExitStatus {
        var options: RunOptions
        do {
            options = try RunOptions.parse([CommandLine.arguments[0]] + arguments)
        } catch {
            FileHandle.standardError.write("b24lua: \(error)\n".data(using: .utf8)!)
            return .usage
        }
        guard options.script == nil else {
            FileHandle.standardError.write("b24lua: usage: b24lua repl [-e stat] [-l mod] (no script)\n".data(using: .utf8)!)
            return .usage
        }
        options.interactive = true
        do {
            return try ScriptRunner(options: options, environment: ProcessInfo.processInfo.environment).run()
        } catch {
            FileHandle.standardError.write("b24lua: \(error)\n".data(using: .utf8)!)
            return .scriptError
        }
    }
}
