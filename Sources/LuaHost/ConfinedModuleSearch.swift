import CLuaSupport
import Glibc

extension ModuleSearchPath {
    /// A template's directory (up to the last '/' before its first '?'; the working directory
    /// when it has none) and the rest of it, relative to that directory.
    static func split(template: String) -> (directory: String, rest: String) {
        let head = template.firstIndex(of: "?").map { template[..<$0] } ?? template[...]
        guard let slash = head.lastIndex(of: "/") else { return (".", template) }
        let directory = slash == template.startIndex ? "/" : String(template[..<slash])
        return (directory, String(template[template.index(after: slash)...]))
    }

    /// The file for module `name` in each template, as package.searchpath spells it ('.' in
    /// the name becomes '/', and each '?' the name): the file's name and where it is opened.
    func files(for name: String) -> [(file: String, directory: String, relative: String)] {
        let path = String(name.map { $0 == "." ? "/" : $0 })
        return templates.map { template in
            let (directory, rest) = Self.split(template: template)
            return (template.replacing("?", with: path), directory, rest.replacing("?", with: path))
        }
    }
}

extension LuaStack {
    /// Pushes `search(name)`, require's file search under --safe over `path`'s templates: each
    /// template's file is opened beneath that template's directory, by FileAccessPolicy's
    /// rules, so a link beside a module leads nowhere else (docs/lua-host.md, "--safe").
    /// Answers `chunk, file`; `nil, file, why` for a file found but refused or not loadable;
    /// `nil, nil, misses` ("no file 'x'" lines) when no template has one.
    public func pushConfinedModuleSearch(_ path: ModuleSearchPath) throws(LuaError) {
        try load(Self.confinedSearchSource, chunkName: "=b24lua.confined_search")
        push(function: { s in
            guard let name = s.string(at: 1) else { throw s.argumentError(1, "search", "string expected") }
            var misses: [String] = []
            for (file, directory, relative) in path.files(for: name) {
                let root = b24lua_open_directory(directory)
                if root < 0 {
                    misses.append("no file '\(file)'")
                    continue
                }
                var fd: Int32 = -1
                let code = b24lua_safe_open(root, relative, O_RDONLY, 0, 0, 0, 0, &fd)
                close(root)
                switch code {
                case 0:
                    if s.pushFile(descriptor: fd, mode: "r") {
                        s.push(file)
                        return 2
                    }
                    misses.append("no file '\(file)'")
                case ENOENT, ENOTDIR, EACCES:
                    misses.append("no file '\(file)'")  // as package.searchpath: not readable
                case EXDEV:
                    s.pushNil()
                    s.push(file)
                    s.push("--safe: '\(file)' leads out of '\(directory)' (through a link or '..')")
                    return 3
                default:
                    s.pushNil()
                    s.push(file)
                    s.push(FileRefusal(code: code, path: file).message)
                    return 3
                }
            }
            s.pushNil()
            s.pushNil()
            s.push(misses.joined(separator: "\n\t"))
            return 3
        })
        try pushChunkReader()
        try call(nargs: 2, nresults: 1)
    }

    static let confinedSearchSource = """
        local find, chunk_of = ...
        return function(name)
          local f, file, why = find(name)
          if not f then return nil, file, why end
          local chunk, err = chunk_of(f, "@" .. file)
          if not chunk then return nil, file, err end
          return chunk, file
        end
        """
}
