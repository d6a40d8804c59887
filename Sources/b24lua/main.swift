import B24
import B24Run
import B24Wire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

// b24lua: subcommands first (ArgumentParser, one file each), then lua(1)-style script running.
let argv = CommandLine.arguments

func runMain() -> Int32 {
    if let status = HiddenCommands.run(argv) { return status.rawValue }
    switch CommandRoute(argv) {
    case .subcommand(.sandbox, let args):
        // `sandbox serve | head -1` is how scripts read the URL: serve must outlive its reader.
        return runAsync { await SubcommandRun.runAsync("sandbox", args) }.rawValue
    case .subcommand(.snapshot, let args):
        // Async work that Ctrl-C and --timeout cancel, keeping what was read (docs/snapshot.md).
        ReaderWatch.endWhenStandardOutputIsGone()
        return runAsync { await SubcommandRun.runAsync("snapshot", B24Flags.spelledForParser(args)) }.rawValue
    case .subcommand(.diff, let args):
        ReaderWatch.endWhenStandardOutputIsGone()
        return runAsync { await SubcommandRun.runAsync("diff", DiffCommand.arguments(B24Flags.spelledForParser(args))) }.rawValue
    case .subcommand(let command, let args):
        ReaderWatch.endWhenStandardOutputIsGone()
        // undo's portal options include `--sandbox[=FIXTURE]`, spelled for ArgumentParser first.
        let arguments = command == .undo ? B24Flags.spelledForParser(args) : args
        return SubcommandRun.run(command.rawValue, arguments).rawValue
    case .hint(let text):
        complain(text)
        return ExitStatus.usage.rawValue
    case .script:
        break
    }
    ReaderWatch.endWhenStandardOutputIsGone()
    let options: RunOptions
    do {
        options = try RunOptions.parse(argv)
    } catch {
        complain("\(error)\n\(RunOptions.usage)")
        return ExitStatus.usage.rawValue
    }
    if options.showHelp || options.showBuild {
        print(options.showHelp ? RunOptions.usage : MainOptions.versionText)
        return ExitStatus.success.rawValue
    }
    if let warning = MisplacedOptions.scriptWarning(options.scriptArguments) { complain(warning) }
    do {
        let runner = try ScriptRunner(options: options, environment: ProcessEnvironment.current())
        let status = runner.run()
        fflush(nil)
        return status.rawValue
    } catch {
        complain("\(error)")
        return ExitStatus.scriptError.rawValue
    }
}

/// A message on stderr, through the one redaction (README "Logging and secrets").
func complain(_ text: String) {
    fflush(nil)
    StandardError.write("b24lua: \(Redaction.redact(text))\n")
}

/// Runs an async entry point from this synchronous main thread, which runs its jobs
/// (docs/architecture.md, rule 3).
func runAsync(_ body: @escaping @Sendable () async -> ExitStatus) -> ExitStatus {
    ThreadExecutor.run(body)
}

exit(runMain())
