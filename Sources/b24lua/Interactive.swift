import B24Run
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// The REPL entry point (README "The REPL"): a libedit session on a terminal; otherwise, like `lua -`,
/// standard input runs as one chunk, with no prompt and no editing.
enum Interactive {
    static func run(runner: ScriptRunner) -> ExitStatus {
        guard isatty(STDIN_FILENO) != 0 else {
            return runner.runChunk { stack in try stack.loadFile(nil) }
        }
        return REPLSession(runner: runner).run()
    }
}
