import Foundation

// b24lua: subcommands first, then lua(1)-style script running.
let argv = CommandLine.arguments

func runMain() -> Int32 {
    if argv.count > 1 {
        switch argv[1] {
        case "check": return CheckCommand.run(Array(argv.dropFirst(2))).rawValue
        case "repl": return REPLCommand.run(Array(argv.dropFirst(2))).rawValue
        case "snippets": return SnippetsCommand.run(Array(argv.dropFirst(2))).rawValue
        case "sandbox": return runAsync { await SandboxCommand.main(Array(argv.dropFirst(2))) }
        case "undo": return UndoCommand.run(Array(argv.dropFirst(2))).rawValue
        case "doc": return DocCommand.run(Array(argv.dropFirst(2))).rawValue
        default: break
        }
    }
    let options: RunOptions
    do {
        options = try RunOptions.parse(argv)
    } catch {
        FileHandle.standardError.write("b24lua: \(error)\n\(RunOptions.usage)\n".data(using: .utf8)!)
        return ExitStatus.usage.rawValue
    }
    do {
        let runner = try ScriptRunner(options: options, environment: ProcessInfo.processInfo.environment)
        let status = runner.run()
        fflush(nil)
        return status.rawValue
    } catch {
        FileHandle.standardError.write("b24lua: \(error)\n".data(using: .utf8)!)
        return ExitStatus.scriptError.rawValue
    }
}

/// Runs an async entry point from this synchronous main thread.
func runAsync(_ body: @escaping @Sendable () async -> Void) -> Int32 {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
    return 0
}

exit(runMain())
