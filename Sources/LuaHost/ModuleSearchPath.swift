import CLua

/// Where `require` looks, in order: the script's directory, `B24LUA_PATH`, the user snippet
/// directory, then Lua's own paths (so Debian's Lua 5.4 modules such as cjson still load).
public struct ModuleSearchPath: Sendable, Equatable {
    /// Lua path templates (`DIR/?.lua`), in search order, before Lua's defaults.
    public var templates: [String]

    public init(scriptDirectory: String?, environment: [String: String]) {
        var dirs: [String] = []
        if let scriptDirectory { dirs.append(scriptDirectory) }
        var templates = dirs.flatMap(Self.templates(for:))
        if let extra = environment["B24LUA_PATH"], !extra.isEmpty {
            templates += Self.parseList(extra)
        }
        templates += Self.templates(for: Self.userSnippetDirectory(environment: environment))
        self.templates = templates
    }

    /// `$XDG_DATA_HOME/b24lua/snippets`, else `~/.local/share/b24lua/snippets`.
    public static func userSnippetDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/b24lua/snippets" }
        let home = environment["HOME"] ?? "~"
        return home + "/.local/share/b24lua/snippets"
    }

    /// B24LUA_PATH: directories separated by ':' or ';'; an entry with '?' is a template as is.
    static func parseList(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == ":" || $0 == ";" }).map(String.init).flatMap { entry in
            entry.contains("?") ? [entry] : templates(for: entry)
        }
    }

    static func templates(for directory: String) -> [String] {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return ["\(dir)/?.lua", "\(dir)/?/init.lua"]
    }

    /// Prepends the templates to `package.path` in `stack`'s state.
    public func install(in stack: LuaStack) {
        guard stack.getGlobal("package") == .table else { stack.pop(); return }
        stack.rawGet(-1, key: "path")
        let current = stack.string(at: -1) ?? ""
        stack.pop()
        stack.push((templates + [current]).joined(separator: ";"))
        stack.rawSet(-2, key: "path")
        stack.pop()
    }
}
