import CLua
import CLuaSupport
import Glibc

extension LuaStack {
    /// `--safe`: a capability sandbox for a script someone else wrote. Removes what reaches
    /// outside Lua (the environment, processes, C code, `debug` but its traceback, binary
    /// chunks, removing and renaming files) and opens every file through `policy`. Run it after
    /// the host's own modules are loaded: they keep the references they took.
    /// (docs/lua-host.md, "--safe: running a script someone else wrote")
    public func enterSafeMode(_ policy: FileAccessPolicy) throws(LuaError) {
        let base = top
        defer { top = base }
        try load(Self.safeModeSource, chunkName: "=b24lua.safe")
        pushPolicyOpen(policy)
        try pushChunkReader()
        // nil's __call and the names it explains: the chunk fills the table
        newTable()
        pushValue(at: -1)
        b24lua_hold_collector(L)
        lua_pushcclosure(L, b24lua_safe_nil_call, 1)
        lua_rotate(L, -2, 1)
        try call(nargs: 4, nresults: 0)
    }

    /// `open(name, mode)`: io.open under `policy` (name a string; mode a string or nil).
    func pushPolicyOpen(_ policy: FileAccessPolicy) {
        push(function: { s in
            guard let path = s.withBytes(at: 1, { String(validating: $0, as: UTF8.self) }) ?? nil else {
                guard s.type(at: 1) == .string else { throw s.argumentError(1, "open", "string expected") }
                s.pushNil()
                s.push("--safe: a file name must be UTF-8 text")
                s.push(Int64(EACCES))
                return 3
            }
            let text = s.isNoneOrNil(2) ? "r" : s.string(at: 2) ?? ""
            guard let mode = FileOpenMode(text) else { throw s.argumentError(2, "open", "invalid mode") }
            switch policy.open(path, mode: mode) {
            case .opened(let fd):
                if s.pushFile(descriptor: fd, mode: mode.text) { return 1 }
                let refusal = FileRefusal(code: errno, path: path)
                s.pushNil()
                s.push(refusal.message)
                s.push(Int64(refusal.code))
                return 3
            case .refused(let refusal):
                s.pushNil()
                s.push(refusal.message)
                s.push(Int64(refusal.code))
                return 3
            }
        })
    }

    /// Pushes an io library file handle that owns `descriptor`; false (descriptor closed,
    /// errno set) when it cannot be made.
    func pushFile(descriptor: Int32, mode: String) -> Bool {
        b24lua_push_file(L, descriptor, mode) != 0
    }

    /// Pushes `chunk_of(f, chunkname, has_env, env)`: loads the text chunk in file handle `f`
    /// as loadfile would, and closes `f`.
    func pushChunkReader() throws(LuaError) {
        try load(Self.chunkReaderSource, chunkName: "=b24lua.chunk_reader")
        try call(nargs: 0, nresults: 1)
    }

    /// Reads a file handle as `luaL_loadfilex` reads a file: a UTF-8 BOM dropped, a first line
    /// starting with '#' skipped (its newline kept, so line numbers stay right), text only.
    /// The file's methods are taken now: a script that edits the file metatable changes
    /// nothing here.
    static let chunkReaderSource = """
        local load, error, getmetatable = load, error, getmetatable
        local methods = getmetatable(io.stdout).__index
        local read, close = methods.read, methods.close
        local find, sub = string.find, string.sub
        return function(f, chunkname, has_env, env)
          local first = true
          local function reader()
            local s, err = read(f, 4096)
            if not s then
              if err then error("cannot read " .. sub(chunkname, 2) .. ": " .. err, 0) end
              return nil
            end
            if first then
              first = false
              if sub(s, 1, 3) == "\\239\\187\\191" then s = sub(s, 4) end
              if sub(s, 1, 1) == "#" then
                local nl = find(s, "\\n", 1, true)
                while not nl do
                  s = read(f, 4096)
                  if not s then return nil end
                  nl = find(s, "\\n", 1, true)
                end
                s = sub(s, nl)
              end
            end
            return s
          end
          local chunk, why
          if has_env then chunk, why = load(reader, chunkname, "t", env) else chunk, why = load(reader, chunkname, "t") end
          close(f)
          return chunk, why
        end
        """

    static let safeModeSource = """
        local open, chunk_of, nil_call, hints = ...
        local type, select, error, tostring, pairs, ipairs = type, select, error, tostring, pairs, ipairs
        local getmetatable, rawget, pcall = getmetatable, rawget, pcall
        local find, sub = string.find, string.sub
        local io_open, io_lines, io_input, io_output = io.open, io.lines, io.input, io.output
        local load, loadfile = load, loadfile
        local debug_traceback, set_metatable, getinfo = debug.traceback, debug.setmetatable, debug.getinfo
        local setmetatable = setmetatable
        local methods = getmetatable(io.stdout).__index
        local lines, close = methods.lines, methods.close

        -- What reaches outside Lua is removed, and stays absent (nil), so that a script can
        -- test for it (`if os.getenv then`); calling one says why it is missing.
        local removed = {
          os = {"execute", "getenv", "remove", "rename", "tmpname"},
          io = {"popen", "tmpfile"},
          string = {"dump"},
          package = {"loadlib", "searchpath"},
        }
        -- A removed function read from its library is noted (its name, and the chunk and line
        -- that read it): nil's __call adds the reason only for a call of that name on that
        -- line, so a script's own `list:remove()` on a table without one reads as in Lua.
        local function watch(lib, names)
          setmetatable(lib, {__index = function(_, k)
            if names[k] then
              local at = getinfo(2, "Sl")
              hints[1], hints[2], hints[3] = k, at.source, at.currentline
            end
          end})
        end
        for lib, list in pairs(removed) do
          local names = {}
          for _, name in ipairs(list) do
            _G[lib][name] = nil
            hints[name] = lib .. "." .. name
            names[name] = true
          end
          watch(_G[lib], names)
        end
        local debug_names = {}
        for name in pairs(debug) do
          if name ~= "traceback" then
            hints[name] = "debug." .. name
            debug_names[name] = true
          end
        end
        -- debug: the traceback only (for xpcall handlers); it reads no value of the program
        debug = {traceback = debug_traceback}
        watch(debug, debug_names)
        package.loaded.debug = debug
        set_metatable(nil, {__call = nil_call, __metatable = false})
        package.cpath = ""
        -- require: the preload table and the host's confined searcher only, no C modules
        for i = #package.searchers, 3, -1 do package.searchers[i] = nil end

        -- What io.open would take as a file name (it converts numbers), or nil.
        local function name_of(v)
          if type(v) == "number" then return tostring(v) end
          if type(v) == "string" then return v end
          return nil
        end

        -- As io.lines and io.input say it when the system refuses; --safe's reasons as they are.
        local function cannot_open(path, why)
          if sub(why, 1, 6) == "--safe" then return why end
          return ("cannot open file '%s' (%s)"):format(path, sub(why, #path + 3))
        end

        -- io.open's argument errors, raised here at the caller's line as io.open raises them
        -- (raised by `open` or `io_open`, they would point into this chunk).
        local function typename(v)
          local mt = getmetatable(v)
          if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then return rawget(mt, "__name") end
          return type(v)
        end
        local function bad(n, why)
          -- named as called ('open'); called without a name (pcall), by its library's ('io.open')
          local called = getinfo(2, "n").name
          error(("bad argument #%d to '%s' (%s)"):format(n, called or "io.open", why), 3)
        end

        function io.open(...)
          local name, mode = ...
          local path = name_of(name)
          if not path then bad(1, "string expected, got " .. (select("#", ...) == 0 and "no value" or typename(name))) end
          local m = "r"
          if mode ~= nil then
            m = name_of(mode)
            if not m then bad(2, "string expected, got " .. typename(mode)) end
          end
          if not find(m, "^[rwa]%+?b*$") then bad(2, "invalid mode") end
          return open(path, m)
        end

        -- As io.lines: the file closes when its lines run out (or the loop ends: 4th value),
        -- and a read error is raised at the loop's line (a tail call: level 2 is the loop's
        -- function), not in this chunk.
        local function close_at_end(f, ok, ...)
          if not ok then error((...), 2) end
          if (...) == nil then close(f) end
          return ...  -- nothing at the end, as io.lines' iterator returns
        end

        function io.lines(name, ...)
          if name == nil then return io_lines(name, ...) end
          local path = name_of(name)
          if not path then
            error(("bad argument #1 to '%s' (string expected, got %s)"):format(getinfo(1, "n").name or "io.lines",
                                                                              typename(name)), 2)
          end
          local f, why = open(path, "r")
          if not f then error(cannot_open(path, why), 2) end
          local next_line = lines(f, ...)
          return function() return close_at_end(f, pcall(next_line)) end, nil, nil, f
        end

        -- io.input and io.output: a name is opened under the policy, a file handle passes.
        local function redirecting(set_default, mode)
          return function(f)
            local path = name_of(f)
            if not path then return set_default(f) end
            local h, why = open(path, mode)
            if not h then error(cannot_open(path, why), 2) end
            return set_default(h)
          end
        end
        io.input, io.output = redirecting(io_input, "r"), redirecting(io_output, "w")

        -- Text only: a binary chunk can break the interpreter.
        function _G.load(chunk, name, mode, ...)
          if select("#", ...) > 0 then return load(chunk, name, "t", ...) end
          return load(chunk, name, "t")
        end

        local function safe_loadfile(name, mode, ...)
          local has_env = select("#", ...) > 0
          if name == nil then  -- standard input
            if has_env then return loadfile(nil, "t", ...) end
            return loadfile(nil, "t")
          end
          local path = name_of(name)
          if not path then return loadfile(name, "t", ...) end  -- loadfile's own argument error
          local f, why = open(path, "r")
          if not f then return nil, sub(why, 1, 6) == "--safe" and why or "cannot open " .. why end
          return chunk_of(f, "@" .. path, has_env, ...)
        end
        _G.loadfile = safe_loadfile

        function _G.dofile(name)
          local f, err = safe_loadfile(name)
          if not f then error(err, 0) end
          return f()
        end
        """
}
