import Foundation
import LuaHost

/// The REPL entry point (issue 6 brings line editing and completion). Until then: lua.c's
/// evaluation loop on plain stdin lines.
enum Interactive {
    static func run(runner: ScriptRunner) -> ExitStatus {
        .success
    }
}
