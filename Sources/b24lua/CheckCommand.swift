import ArgumentParser
import B24
import B24Run
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// `b24lua check FILE...`: compile only, like `luac -p`; one line per file.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile Lua files without running them, like luac -p.",
        discussion: "Prints 'FILE: ok' for each file that compiles; '-' is standard input.")

    @Argument(help: "The files to compile.") var files: [String] = []

    func run() throws {
        try Self.check(files).end()
    }

    static func check(_ files: [String]) -> ExitStatus {
        guard !files.isEmpty else {
            StandardError.write("b24lua: usage: b24lua check FILE...\n")
            return .usage
        }
        guard let lua = try? LuaState(openStandardLibraries: false) else { return .scriptError }
        var failed = false
        for file in files {
            do {
                try lua.main.loadFile(file == "-" ? nil : file, mode: "t")
                lua.main.pop()
                print("\(file): ok")
            } catch {
                failed = true
                StandardError.write("b24lua: \(error.message)\n")
            }
        }
        fflush(nil)
        return failed ? .scriptError : .success
    }
}
