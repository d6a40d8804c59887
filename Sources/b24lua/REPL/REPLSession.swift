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
import LuaHost

/// One interactive session on a terminal: reads with libedit, drives `REPLInput` (lua.c's
/// algorithm) and evaluates in the runner's Lua state.
final class REPLSession {
    let runner: ScriptRunner
    var stack: LuaStack { runner.stack }
    private var input = REPLInput()
    private var history: REPLHistory
    /// The error of the last failed compile, shown when the input machine says it is final.
    private var lastCompileError: LuaError?

    static let prompts: [REPLInput.Prompt: String] = [.primary: "b24> ", .continuation: "b24>> "]

    init(runner: ScriptRunner) {
        self.runner = runner
        history = REPLHistory(environment: runner.environment)
    }

    func run() -> ExitStatus {
        print(REPLBanner.text(in: stack, withVersion: !runner.options.showVersion))
        REPLHelp.install(in: stack)
        Self.acceptInterrupts()
        LineEditor.prepare()
        history.load()
        let completer = REPLCompleter(stack: stack)
        LineEditor.completer = { [unowned self] word, before in
            let pending = self.input.pendingLines
            let context = pending.isEmpty ? before : (pending + [before]).joined(separator: "\n")
            return completer.complete(word: word, before: context)
        }
        defer { LineEditor.completer = nil }

        var action = REPLInput.Action.read(.primary)
        while true {
            switch action {
            case .read(let prompt):
                switch LineEditor.read(prompt: Self.prompts[prompt] ?? "b24> ") {
                case .line(let text): action = input.line(text)
                case .cancelled:
                    print("^C")
                    action = input.interrupt()
                case .endOfInput: action = input.endOfInput()
                }
            case .compile(let source):
                action = input.compiled(compile(source))
            case .run(let entry):
                history.add(entry)
                execute()
                if LuaInterrupt.timedOut { return .timedOut }  // --timeout ends the session
                action = .read(.primary)
            case .reportError(let entry):
                history.add(entry)
                if let error = lastCompileError { reportError(error) }
                action = .read(.primary)
            case .command(let name, let argument, let entry):
                history.add(entry)
                guard perform(name, argument) else { return .success }
                action = .read(.primary)
            case .quit:
                print()
                return .success
            }
        }
    }

    /// Ctrl-C must reach the host's handler even when the parent left SIGINT blocked (threads
    /// of some launchers do, and a blocked mask survives exec).
    private static func acceptInterrupts() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Compiles `source` as lua.c does, under the name "=stdin"; the function stays on the
    /// stack when it compiles.
    private func compile(_ source: String) -> REPLInput.CompileOutcome {
        do {
            try stack.load(source, chunkName: "=stdin")
            return .compiled
        } catch {
            lastCompileError = error
            if error.status == .syntax, error.message.hasSuffix("<eof>") { return .incomplete }
            return .failed
        }
    }

    /// Runs the compiled chunk on top, prints every result and keeps the first in `_`.
    private func execute() {
        let base = stack.top - 1
        defer {
            stack.top = base
            // A Ctrl-C that came after the chunk's last instruction must not hit the next one.
            if LuaInterrupt.requested { LuaInterrupt.clear() }
        }
        if let error = stack.callKeepingError() {
            if LuaInterrupt.requested { print() }  // the terminal echoed "^C": start a fresh line
            reportError(error)
            keepError(error)
            return
        }
        let count = stack.top - base
        guard count > 0 else { return }
        let results = (1...count).map { stack.inspect(at: base + $0).rendered() }
        print(results.joined(separator: "\t"))
        stack.pushValue(at: base + 1)
        stack.setGlobal("_")
    }

    /// `_` after a failed chunk: the error value on top, so `_.code`, `_.traceback` and
    /// `help(_)` work on it; a string error without the traceback the handler added to it.
    private func keepError(_ error: LuaError) {
        if error.value == nil, stack.type(at: -1) == .string {
            let message = error.message.components(separatedBy: "\nstack traceback:").first ?? error.message
            stack.pop()
            stack.push(message)
        }
        stack.setGlobal("_")
    }

    /// An error as lua.c shows it in interactive mode (no program name). Error objects show
    /// their one-line form; their traceback stays in the object (kept in `_`).
    private func reportError(_ error: LuaError) {
        fflush(nil)
        StandardError.write(Redaction.redact(error.message) + "\n")
    }

    /// A ":name argument" line; false means leave.
    private func perform(_ name: String, _ argument: String) -> Bool {
        switch name {
        case "quit", "q", "exit":
            return false
        case "help", "h":
            print(argument.isEmpty ? REPLHelp.summary : REPLHelp.text(forName: argument, in: stack))
        default:
            print("unknown command :\(name) (try :help)")
        }
        return true
    }
}
