import CLua
import Glibc

/// Which files a script under `--safe` may open: reading below `readable` (and `writable`),
/// writing below `writable`; never anything under /proc, /sys or /dev. Paths are compared
/// after resolving symbolic links, `.` and `..` (docs/lua-host.md, "Running untrusted code").
public struct FileAccessPolicy: Sendable, Equatable {
    /// Resolved directories.
    public private(set) var readable: [String]
    public private(set) var writable: [String]

    static let forbidden = ["/proc", "/sys", "/dev"]

    /// Directories that do not exist are dropped: they cannot hold anything to open.
    public init(readable: [String], writable: [String]) {
        self.readable = readable.compactMap(Self.resolvedExisting)
        self.writable = writable.compactMap(Self.resolvedExisting)
    }

    /// nil when `path` may be opened so; otherwise why not.
    public func refusal(path: String, write: Bool) -> String? {
        let shown = "'\(path)'"
        guard !path.utf8.contains(0) else { return "--safe: \(shown) contains a NUL byte" }
        guard let resolved = Self.resolved(path) else {
            return "--safe: \(shown): no such directory"
        }
        if Self.forbidden.contains(where: { Self.isBelow(resolved, $0) }) {
            return "--safe: \(shown) is under /proc, /sys or /dev, which are never opened"
        }
        let roots = write ? writable : readable + writable
        if roots.contains(where: { Self.isBelow(resolved, $0) }) { return nil }
        return write
            ? "--safe: \(shown) is not below a --allow-write directory"
            : "--safe: \(shown) is not below the script's directory or a --allow-read directory"
    }

    static func isBelow(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    static func resolvedExisting(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The path with every link resolved; for a file that does not exist yet, its directory
    /// resolved plus its name.
    static func resolved(_ path: String) -> String? {
        if let r = resolvedExisting(path) { return r }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else {
            return resolvedExisting(".").map { $0 + "/" + trimmed }
        }
        let name = String(trimmed[trimmed.index(after: slash)...])
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        let parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
        guard let dir = resolvedExisting(parent) else { return nil }
        return (dir == "/" ? "" : dir) + "/" + name
    }
}

extension LuaStack {
    /// `--safe`: a capability sandbox for a script someone else wrote. Removes what reaches
    /// outside Lua (the environment, processes, C code, `debug`, binary chunks, removing and
    /// renaming files) and puts every way of opening a file behind `policy`. Run it after the
    /// host's own modules are loaded: they keep the references they took.
    public func enterSafeMode(_ policy: FileAccessPolicy) throws(LuaError) {
        let base = top
        defer { top = base }
        try load(Self.safeModeSource, chunkName: "=b24lua.safe")
        push(function: { s in
            guard let path = s.string(at: 1) else {
                s.pushNil()
                s.push("--safe: a file name must be a string")
                return 2
            }
            if let why = policy.refusal(path: path, write: s.bool(at: 2)) {
                s.pushNil()
                s.push(why)
                return 2
            }
            s.push(true)
            return 1
        })
        try call(nargs: 1, nresults: 0)
    }

    static let safeModeSource = """
        local check = ...
        local type, select, error, tostring, find = type, select, error, tostring, string.find
        local io_open, io_lines, io_input, io_output = io.open, io.lines, io.input, io.output
        local load, loadfile = load, loadfile

        os.execute, os.getenv, os.remove, os.rename, os.tmpname = nil, nil, nil, nil, nil
        io.popen, io.tmpfile = nil, nil
        string.dump = nil
        debug, package.loaded.debug = nil, nil
        package.loadlib, package.searchpath, package.cpath = nil, nil, ""
        -- require: the preload table and the host's Lua searcher only, no C modules
        for i = #package.searchers, 3, -1 do package.searchers[i] = nil end

        -- What io.open would take as a file name (it converts numbers), or nil.
        local function name_of(v)
          if type(v) == "number" then return tostring(v) end
          if type(v) == "string" then return v end
          return nil
        end

        local function writes(mode) return find(mode, "[wa+]") ~= nil end

        function io.open(name, mode)
          local path = name_of(name)
          local m = mode == nil and "r" or name_of(mode)
          if not path or not m then return io_open(name, mode) end  -- io.open's own argument error
          local ok, why = check(path, writes(m))
          if not ok then return nil, why, 13 end
          return io_open(path, m)
        end

        function io.lines(name, ...)
          if name == nil then return io_lines(name, ...) end
          local path = name_of(name)
          if not path then return io_lines(name, ...) end
          local ok, why = check(path, false)
          if not ok then error(why, 2) end
          return io_lines(path, ...)
        end

        -- io.input and io.output: a name is opened (checked first), a file handle passes.
        local function redirecting(set_default, write)
          return function(f)
            local path = name_of(f)
            if not path then return set_default(f) end
            local ok, why = check(path, write)
            if not ok then error(why, 2) end
            return set_default(path)
          end
        end
        io.input, io.output = redirecting(io_input, false), redirecting(io_output, true)

        -- Text only: a binary chunk can break the interpreter.
        function _G.load(chunk, name, mode, ...)
          if select("#", ...) > 0 then return load(chunk, name, "t", ...) end
          return load(chunk, name, "t")
        end

        local function safe_loadfile(name, mode, ...)
          if name ~= nil then
            local path = name_of(name)
            if not path then return loadfile(name, "t", ...) end
            local ok, why = check(path, false)
            if not ok then return nil, why end
            name = path
          end
          if select("#", ...) > 0 then return loadfile(name, "t", ...) end
          return loadfile(name, "t")
        end
        _G.loadfile = safe_loadfile

        function _G.dofile(name)
          local f, err = safe_loadfile(name)
          if not f then error(err, 2) end
          return f()
        end
        """
}
