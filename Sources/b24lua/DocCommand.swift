import ArgumentParser
import B24
import B24Lua
import B24Run
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// `b24lua doc [NAME]`: the help texts of `doc.lua` (the same table the REPL's `help()` reads),
/// listed one line each, or one of them in full.
struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Help for the b24 functions and the error codes.",
        discussion: """
            Without NAME, lists every name with its first line. --emit luals writes a LuaLS (EmmyLua) \
            definition file of the b24 module, --emit luacheck a luacheck configuration with the std b24 \
            (README "Editors and linters").
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case luals, luacheck
    }

    @Argument(help: "A b24 function such as chat_get, or an error code.", completion: CommandLineOption.Completion.topics.kind)
    var name: String?

    @Option(help: "Write the b24 module's description for editors (luals) or luacheck, instead of help.")
    var emit: Format?

    func validate() throws {
        if emit != nil, name != nil { throw ValidationError("--emit takes no NAME: it describes the whole module") }
    }

    func run() throws {
        if let emit {
            try Self.emit(emit).end()
        } else {
            try Self.show(name).end()
        }
    }

    /// `--emit FORMAT`: emit.lua over doc.lua's texts and types, in a fresh state.
    static func emit(_ format: Format) -> ExitStatus {
        do {
            let lua = try LuaState()
            let s = lua.main
            try s.load(EmbeddedDocs.emitSource, chunkName: EmbeddedDocs.emitChunkName)
            try s.load(EmbeddedDocs.luaSource, chunkName: EmbeddedDocs.chunkName)
            try s.call(nargs: 0, nresults: 2)
            s.push(format.rawValue)
            s.push(B24LuaVersion.string)
            try s.call(nargs: 4, nresults: 1)
            guard let text = s.string(at: -1) else { throw LuaError.message("emit.lua returned no text") }
            print(text, terminator: "")
            return .success
        } catch {
            complain("cannot emit \(format.rawValue): \(error)")
            return .scriptError
        }
    }

    static func show(_ name: String?) -> ExitStatus {
        let entries: [String: String]
        do {
            entries = try load()
        } catch {
            complain("cannot read the embedded help: \(error)")
            return .scriptError
        }
        guard let name else {
            print(listing(entries), terminator: "")
            return .success
        }
        guard let key = lookup(name, in: entries) else {
            let bare = name.hasPrefix("b24.") ? String(name.dropFirst(4)) : name
            complain("no help for '\(name)'" + NearNames.hint(for: bare, among: entries.keys)
                     + "\n(`b24lua doc` lists every name)")
            return .usage
        }
        let text = entries[key]!
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return .success
    }

    /// Runs `doc.lua` in a fresh state and copies its table out.
    static func load() throws -> [String: String] {
        let lua = try LuaState()
        try lua.main.load(EmbeddedDocs.luaSource, chunkName: EmbeddedDocs.chunkName)
        try lua.main.call(nargs: 0, nresults: 1)
        return try lua.main.read([String: String].self, at: -1)
    }

    /// `b24.chat_get` and `chat_get` name the same entry; error codes match in any case.
    static func lookup(_ name: String, in entries: [String: String]) -> String? {
        let bare = name.hasPrefix("b24.") ? String(name.dropFirst(4)) : name
        if entries[bare] != nil { return bare }
        let lower = bare.lowercased()
        return entries.keys.sorted().first { $0.lowercased() == lower }
    }

    /// An error code's entry names itself on its `code` line; everything else is a function or field.
    static func isErrorCode(_ key: String, _ text: String) -> Bool { text.contains("\n  code       \(key)") }

    static func listing(_ entries: [String: String]) -> String {
        let functions = entries.keys.filter { !isErrorCode($0, entries[$0]!) }.sorted()
        let codes = entries.keys.filter { isErrorCode($0, entries[$0]!) }.sorted { $0.lowercased() < $1.lowercased() }
        func lines(_ keys: [String]) -> String {
            let width = (keys.map(\.count).max() ?? 0) + 2
            return keys.map { key in
                let first = entries[key]!.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
                return "  " + key.paddedRight(to: width) + first + "\n"
            }.joined()
        }
        return "b24 functions and fields (b24lua doc NAME):\n" + lines(functions)
            + "\nError codes (b24lua doc CODE):\n" + lines(codes)
    }

    static func complain(_ text: String) {
        StandardError.write("b24lua doc: \(text)\n")
    }
}
