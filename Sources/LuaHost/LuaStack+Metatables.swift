import CLua
import CLuaSupport

// Metatables, the registry, raw traversal, identity and slot moves: the API the layers above
// LuaHost need, so that only LuaHost calls Lua's C API. Each wrapper names the manual's error
// class of what it calls ("[-o, +p, x]"); only `-` (never raises) and `m` (memory only, which the
// host never refuses while Swift code runs) appear here: docs/lua-host.md, "Errors never unwind
// Swift".
extension LuaStack {
    // MARK: metatables

    /// Pushes the registry's metatable `name`, creating it (with `__name`) when it is new; true
    /// when it was created, false when it already existed. `luaL_newmetatable` [-0, +1, m].
    @discardableResult
    public func newMetatable(named name: String) -> Bool {
        reserve(2)
        b24lua_hold_collector(L)
        return luaL_newmetatable(L, name) != 0
    }

    /// Pushes the registry's metatable `name` (nil when there is none) and returns its type.
    /// `luaL_getmetatable` reads the registry, which has no metatable [-0, +1, m].
    @discardableResult
    public func pushMetatable(named name: String) -> LuaType {
        reserve(2)
        return registryGet(name)
    }

    /// Sets the registry's metatable `name` on the value on top (a no-op for a value that is
    /// neither a table nor a full userdata). `luaL_setmetatable` [-0, +0, –].
    public func setMetatable(named name: String) {
        let t = lua_type(L, -1)
        guard t == LUA_TTABLE || t == LUA_TUSERDATA else { return }
        reserve(2)
        luaL_setmetatable(L, name)
    }

    /// Pops a table (or nil) and makes it the metatable of the table or userdata at `index`;
    /// anything else on either side only pops. `lua_setmetatable` [-1, +0, –].
    public func setMetatable(ofValueAt index: Int32) {
        let target = absolute(index)
        let t = lua_type(L, target), mt = lua_type(L, -1)
        guard t == LUA_TTABLE || t == LUA_TUSERDATA, mt == LUA_TTABLE || mt == LUA_TNIL else { pop(); return }
        lua_setmetatable(L, target)
    }

    /// Pushes the metatable of the value at `index` and returns true; false, with nothing
    /// pushed, when it has none. `lua_getmetatable` [-0, +(0|1), –].
    public func pushMetatable(ofValueAt index: Int32) -> Bool {
        reserve(2)
        return lua_getmetatable(L, index) != 0
    }

    /// True when the value at `index` has the registry's metatable `name` (compared by
    /// identity, as `luaL_testudata` does, but for tables too).
    public func hasMetatable(at index: Int32, named name: String) -> Bool {
        let i = absolute(index)
        guard reserve(2), lua_getmetatable(L, i) != 0 else { return false }
        registryGet(name)
        defer { pop(2) }
        return lua_rawequal(L, -1, -2) != 0
    }

    // MARK: the registry

    /// Pushes registry[key], read raw, and returns its type. `lua_rawget` [-1, +1, –].
    @discardableResult
    public func registryGet(_ key: String) -> LuaType {
        rawGet(Self.registryIndex, key: key)
    }

    /// Pops the value on top into registry[key], raw. `lua_rawset` [-2, +0, m].
    public func registrySet(_ key: String) {
        rawSet(Self.registryIndex, key: key)
    }

    // MARK: traversal

    /// Visits the entries of the table at `index` raw, in `lua_next` order: the body gets the
    /// absolute indices of the key and the value, and returns false to stop early. Whatever the
    /// body pushes is dropped after it returns, so the key `lua_next` needs stays intact; the body
    /// must not pop below the value, nor add keys to the table (Lua's traversal rules). Not a
    /// table: no visit. `lua_next` [-1, +(2|0), v] raises only for a key that is not in the
    /// table, which this loop never hands it.
    public func forEachEntry<E: Error>(inTableAt index: Int32,
                                       _ body: (_ key: Int32, _ value: Int32) throws(E) -> Bool) throws(E) {
        let t = absolute(index)
        guard lua_type(L, t) == LUA_TTABLE, reserve(4) else { return }
        let base = top
        pushNil()
        while lua_next(L, t) != 0 {
            let keepGoing: Bool
            do {
                keepGoing = try body(base + 1, base + 2)
            } catch {
                top = base
                throw error
            }
            precondition(top >= base + 2, "forEachEntry: the body popped the key or the value")
            guard keepGoing else { top = base; return }
            top = base + 1
        }
    }

    // MARK: identity and slots

    /// Raw equality (no `__eq`). `lua_rawequal` [-0, +0, –].
    public func rawEqual(_ a: Int32, _ b: Int32) -> Bool { lua_rawequal(L, a, b) != 0 }

    /// The identity of a table, function, userdata or thread (0 for other values): what cycle
    /// checks and `.opaque` values compare. `lua_topointer` [-0, +0, –].
    public func identity(at index: Int32) -> UInt { UInt(bitPattern: lua_topointer(L, index)) }

    /// Copies the value at `from` into the slot `to`, replacing it. `lua_copy` [-0, +0, –].
    public func copy(from: Int32, to: Int32) { lua_copy(L, from, to) }

    /// Pops the top value into the slot `index`. `lua_replace` [-1, +0, –].
    public func replace(at index: Int32) { lua_copy(L, -1, index); pop() }

    /// Moves the top value down into `index`, shifting the values above. `lua_rotate` [-1, +1, –].
    public func insert(at index: Int32) { lua_rotate(L, index, 1) }

    /// Removes the value at `index`, shifting the values above down. `lua_rotate` [-1, +0, –].
    public func remove(at index: Int32) {
        lua_rotate(L, index, -1)
        pop()
    }

    // MARK: warnings

    /// `warn(message)` as Lua's own `warn` sends it: `@on` and `@off` are control messages that
    /// turn warnings on and off (lua -W sends `@on`); `continued` joins the next message to this
    /// one. `lua_warning` [-0, +0, –].
    public func warn(_ message: String, continued: Bool = false) {
        lua_warning(L, message, continued ? 1 : 0)
    }

    // MARK: userdata

    /// Pushes a new full userdata of `byteCount` bytes with one user value, with the registry's
    /// metatable `metatable` when given, and returns its memory (owned by Lua, alive while the
    /// userdata is). `lua_newuserdatauv` [-0, +1, m].
    @discardableResult
    public func newUserdata(byteCount: Int, metatable: String? = nil) -> UnsafeMutableRawPointer {
        reserve(2)
        b24lua_hold_collector(L)
        let memory = b24lua_newuserdata(L, max(0, byteCount))!
        if let metatable { luaL_setmetatable(L, metatable) }
        return memory
    }

    /// The memory of the full userdata at `index` when its metatable is the registry's `name`;
    /// nil for anything else. `luaL_testudata` [-0, +0, m].
    public func userdata(at index: Int32, named name: String) -> UnsafeMutableRawPointer? {
        reserve(2)
        return luaL_testudata(L, index, name)
    }
}
