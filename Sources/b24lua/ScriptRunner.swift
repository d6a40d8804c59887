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

/// Runs scripts the way lua.c does: LUA_INIT, the `arg` table, -e/-l in order, the script
/// with its arguments as `...`, then the REPL or stdin. Errors are printed, never thrown.
final class ScriptRunner {
    let options: RunOptions
    let environment: [String: String]
    let lua: LuaState
    var stack: LuaStack { lua.main }
    private(set) var session: B24Session?

    init(options: RunOptions, environment: [String: String]) throws(LuaError) {
        self.options = options
        self.environment = environment
        lua = try LuaState(ignoreEnvironment: options.ignoreEnvironment)
    }

    /// The whole run; returns the process exit status.
    func run() -> ExitStatus {
        LuaInterrupt.install(for: stack)
        defer { LuaInterrupt.uninstall() }
        installModulePath()
        do {
            if !options.b24.safe, let flag = options.b24.allowRead.isEmpty ? (options.b24.allowWrite.isEmpty ? nil : "--allow-write") : "--allow-read" {
                throw B24Error.configError("'\(flag)' goes with --safe")
            }
            let session = try B24Session(flags: options.b24, environment: environment)
            self.session = session
            try session.install(in: lua, scriptDirectory: scriptDirectory)
        } catch let error as B24Error {
            StandardError.write("b24lua: \(error)\n")
            return .usage
        } catch {
            report(error as? LuaError ?? LuaError(status: .runtime, message: "\(error)"))
            return session?.finish(.scriptError) ?? .scriptError
        }
        let status = runSteps()
        return session?.finish(status) ?? status
    }

    private func runSteps() -> ExitStatus {
        createArgTable()
        if options.showVersion { printVersion() }
        if !options.ignoreEnvironment, let status = runLuaInit() { return status }
        for action in options.actions {
            if let status = perform(action) { return status }
        }
        if let script = options.script {
            if let status = runScript(script) { return status }
        }
        if options.interactive {
            return Interactive.run(runner: self)
        }
        if options.script == nil && !options.hasExecute && !options.showVersion {
            if isatty(STDIN_FILENO) != 0 {
                return Interactive.run(runner: self)  // its banner carries the version
            }
            return runChunk { stack in try stack.loadFile(nil) }
        }
        return .success
    }

    /// The directory of the script file, nil for stdin and `-e` chunks.
    private var scriptDirectory: String? {
        guard let script = options.script, script != "-" else { return nil }
        return URL(fileURLWithPath: script).deletingLastPathComponent().path
    }

    private func installModulePath() {
        let path = ModuleSearchPath(scriptDirectory: scriptDirectory, environment: environment)
        path.install(in: stack)
        do {
            try SnippetLibrary.installSearcher(in: stack, path: path, confined: options.b24.safe)
        } catch {
            report(error)
        }
    }

    /// arg[0] is the script, negative indices the interpreter and its options, as in lua.c.
    /// Under --safe only the script and its own arguments: an option's value (a webhook URL
    /// with its code, a file name) is no business of a script someone else wrote
    /// (README "Running untrusted scripts").
    private func createArgTable() {
        var argv = options.argv
        var script = options.scriptIndex ?? 0
        if options.b24.safe {
            argv = [argv[script]] + options.scriptArguments
            script = 0
        }
        stack.newTable(arrayCount: Int32(max(0, argv.count - script - 1)), hashCount: Int32(script + 1))
        for (i, a) in argv.enumerated() {
            stack.push(a)
            stack.rawSet(-2, key: Int64(i - script))
        }
        stack.setGlobal("arg")
    }

    func printVersion() {
        print("b24lua \(B24LuaVersion.string) — \(LuaState.luaCopyright)")
        fflush(nil)
    }

    private func runLuaInit() -> ExitStatus? {
        for name in ["LUA_INIT_5_4", "LUA_INIT"] {
            guard let value = environment[name] else { continue }
            if value.hasPrefix("@") {
                return runChunk { stack in try stack.loadFile(String(value.dropFirst())) }.failure
            }
            return runChunk { stack in try stack.load(value, chunkName: "=" + name) }.failure
        }
        return nil
    }

    private func perform(_ action: RunOptions.Action) -> ExitStatus? {
        switch action {
        case .execute(let chunk):
            return runChunk { stack in try stack.load(chunk, chunkName: "=(command line)") }.failure
        case .require(let module, let global):
            let status = runChunk(nresults: 1) { stack in
                _ = stack.getGlobal("require")
                stack.push(module)
            }
            if status != .success { return status }
            stack.setGlobal(global)
            return nil
        case .warningsOn:
            stack.warn("@on")
            return nil
        }
    }

    private func runScript(_ script: String) -> ExitStatus? {
        let path: String? = (script == "-" && options.argv[options.scriptIndex! - 1] != "--") ? nil : script
        let args = options.scriptArguments
        return runChunk(load: { stack in try stack.loadFile(path) }, arguments: args).failure
    }

    /// Loads with `load`, pushes `arguments`, calls protected; prints any error lua.c-style.
    /// The loader may push a callable plus its arguments itself (then `arguments` is empty and
    /// the count is taken from the stack).
    func runChunk(nresults: Int32 = 0, load: (LuaStack) throws -> Void,
                  arguments: [String] = []) -> ExitStatus {
        let base = stack.top
        do {
            try load(stack)
            for a in arguments { stack.push(a) }
            let nargs = stack.top - base - 1
            try stack.call(nargs: nargs, nresults: nresults)
            return .success
        } catch {
            stack.top = base
            let luaError = error as? LuaError ?? LuaError(status: .runtime, message: "\(error)")
            if LuaInterrupt.requested || LuaInterrupt.timedOut { reportStop(luaError) } else { report(luaError) }
            if LuaInterrupt.requested {
                LuaInterrupt.clear()
                return .interrupted
            }
            // A timeout stays pending: nothing after it may run Lua code for long.
            if LuaInterrupt.timedOut { return .timedOut }
            return ExitStatus.of(luaError)
        }
    }

    /// A stop (Ctrl-C, `--timeout`) is not the script's error: on a line of its own (a progress
    /// bar may hold the current one), its message without the b24 module's inner frames, then
    /// what the run's writes came to and how to undo or finish them (docs/journal.md, "Stopped runs").
    func reportStop(_ error: LuaError) {
        var text = session?.module.progressLineOpen == true ? "\n" : ""
        text += "b24lua: " + StopReport.text(error.message + (error.traceback.map { "\n" + $0 } ?? ""))
        StandardError.write(Redaction.redact(text) + "\n")
        if let session, session.module.configuration.journal != nil || !session.module.tally.snapshot.isEmpty {
            StandardError.write(session.stopSummary())
        }
    }

    func report(_ error: LuaError) {
        var text = "b24lua: " + error.message
        if let tb = error.traceback { text += "\n" + tb }
        // The message may quote a portal's error text: inert on the terminal (TerminalText).
        StandardError.write(TerminalText.escapedKeepingLines(Redaction.redact(text)) + "\n")
    }
}

extension ExitStatus {
    /// nil for success: "carry on".
    var failure: ExitStatus? { self == .success ? nil : self }

    /// A script's uncaught error: a configuration error (no portal configured, a bad webhook
    /// URL: `CONFIG_ERROR`) is the usage status, as it is before the script starts (README
    /// "Exit statuses"); anything else is the script's error.
    static func of(_ error: LuaError) -> ExitStatus {
        guard case .table(let t)? = error.value, t["code"]?.stringValue == "CONFIG_ERROR",
              t["kind"]?.stringValue == "usage" else { return .scriptError }
        return .usage
    }
}

enum B24LuaVersion {
    static let string = "0.1.0"
}
