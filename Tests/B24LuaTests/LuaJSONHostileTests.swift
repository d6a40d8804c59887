import B24
import B24Wire
@testable import B24Lua
import LuaHost
import Testing

/// Lua → JSON is a visitor of the host's one walk (docs/lua-host.md, "One walk of a value"):
/// hostile values from a script get the walk's depth and cycle rules and JSON's own refusals,
/// each with the path of the value at fault, and never run a metamethod.
@Suite struct LuaJSONHostileTests {
    let lua: LuaState

    init() throws {
        lua = try LuaState()
        // The markers and b24.null, as the module defines them.
        LuaJSON.defineMarkers(lua.main)
        LuaJSON.pushNull(lua.main)
        lua.main.setGlobal("null")
        _ = lua.main.pushMetatable(named: LuaJSON.arrayName)
        lua.main.setGlobal("array_mt")
        _ = lua.main.pushMetatable(named: LuaJSON.objectName)
        lua.main.setGlobal("object_mt")
    }

    /// The JSON text of what `code` returns (keys sorted), or the conversion's message.
    func json(_ code: String, path: String = "value") throws -> Result<String, LuaError> {
        let s = lua.main
        try s.load(code, chunkName: "=test")
        try s.call(nargs: 0, nresults: 1)
        defer { s.pop() }
        let top = s.top
        defer { #expect(s.top == top, "the conversion leaves the stack as it found it") }
        do throws(LuaError) {
            return .success(try s.read(JSONValue.self, at: -1).serialized(sortKeys: true))
        } catch {
            return .failure(error)
        }
    }

    func message(_ code: String, path: String = "value") throws -> String? {
        if case .failure(let e) = try json(code, path: path) { return e.message(root: path) }
        return nil
    }

    func text(_ code: String) throws -> String? {
        if case .success(let t) = try json(code) { return t }
        return nil
    }

    @Test func depthIsTheOneRuleAndTheMessageNamesThePath() throws {
        let deep = "local t = {}; local d = t; for _ = 2, N do d.next = {}; d = d.next end; return t"
        #expect(try text(deep.replacingOccurrences(of: "N", with: "\(LuaNesting.maxDepth)")) != nil)
        let refused = try message(deep.replacingOccurrences(of: "N", with: "300"), path: "params")
        let expected = "params" + String(repeating: ".next", count: LuaNesting.maxDepth) + " is nested too deeply"
        #expect(refused == expected)
    }

    /// A table DAG is small in Lua and huge once each table is copied where it is reached:
    /// the conversion counts what it emits and refuses past the state's budget, naming the path.
    @Test func aTableDAGIsCountedNotExpanded() throws {
        lua.setMemoryLimit(bytes: 16 << 20)
        defer { lua.setMemoryLimit(bytes: nil) }
        let refused = try message("local t = {} for i = 1, 22 do t = {t, t} end return {filter = t}", path: "params")
        #expect(refused?.hasPrefix("params.filter[") == true, "\(refused ?? "converted")")
        #expect(refused?.contains("holds too many values: more than \((16 << 20) / LuaNesting.bytesPerValue) in all") == true,
                "\(refused ?? "converted")")
        // What fits converts: the same table reached a few times, and a plain list of 100000.
        #expect(try text("local s = {1, 2} return {s, s, s}") == "[[1,2],[1,2],[1,2]]")
        #expect(try text("local t = {} for i = 1, 100000 do t[i] = i end return t") != nil)
    }

    @Test func cyclesAreRefusedWhereverTheyClose() throws {
        #expect(try message("local t = {}; t.self = t; return t") == "value.self contains a cycle")
        #expect(try message("local a = {b = {}}; a.b.c = {a}; return a") == "value.b.c[1] contains a cycle")
        #expect(try message("local t = {}; t[t] = 1; return t") == "value has a table key, which JSON cannot carry")
        // The same table twice side by side is no cycle.
        #expect(try text("local s = {1}; return {s, s, {x = s}}") == "[[1],[1],{\"x\":[1]}]")
    }

    @Test func metamethodsThatRaiseNeverRun() throws {
        let code = """
            local boom = function() error("a metamethod ran") end
            local mt = {__index = boom, __pairs = boom, __len = boom, __tostring = boom, __eq = boom, __call = boom}
            return setmetatable({a = setmetatable({1, 2}, mt), b = "x"}, mt)
            """
        #expect(try text(code) == "{\"a\":[1,2],\"b\":\"x\"}")
    }

    @Test func mixedKeysMakeAnObjectWithIntegersFirst() throws {
        #expect(try text("return {1, 2, 3, x = 1}") == "{\"1\":1,\"2\":2,\"3\":3,\"x\":1}")
        #expect(try text("return {[1] = 'a', [3] = 'c'}") == "{\"1\":\"a\",\"3\":\"c\"}")
        #expect(try text("return {[1.5] = true}") == "{\"1.5\":true}")
        #expect(try text("return {[-1] = 0, [0] = 1}") == "{\"-1\":0,\"0\":1}")
        #expect(try message("return {ok = {[true] = 1}}") == "value.ok has a boolean key, which JSON cannot carry")
        #expect(try message("return {[print] = 1}") == "value has a function key, which JSON cannot carry")
    }

    @Test func numbersJSONCannotCarryAreRefusedHugeIntegersAreExact() throws {
        #expect(try message("return {x = {0/0}}")?.hasPrefix("value.x[1] is ") == true)
        #expect(try message("return {x = {0/0}}")?.hasSuffix(", which JSON cannot carry") == true)
        #expect(try message("return {1/0}") == "value[1] is inf, which JSON cannot carry")
        #expect(try message("return {n = -1/0}") == "value.n is -inf, which JSON cannot carry")
        #expect(try text("return {math.maxinteger, math.mininteger}") == "[9223372036854775807,-9223372036854775808]")
        try lua.main.load("return {2^63, -2^63}", chunkName: "=t")
        try lua.main.call(nargs: 0, nresults: 1)
        #expect(try lua.main.read(JSONValue.self, at: -1) == .array([.double(9_223_372_036_854_775_808), .double(-9_223_372_036_854_775_808)]))
        lua.main.pop()
        #expect(try text("return {[math.maxinteger] = 1}") == "{\"9223372036854775807\":1}")
    }

    @Test func stringsMustBeTextButKeysAreTaken() throws {
        #expect(try message("return {a = {'ok', '\\255'}}") == "value.a[2] is not valid UTF-8 text")
        #expect(try text("return {'a\\0b'}") == "[\"a\\u0000b\"]")
        #expect(try text("return {['\\255'] = 1}") != nil)  // keys are decoded, as always
    }

    @Test func markersAndNull() throws {
        #expect(try text("return setmetatable({}, array_mt)") == "[]")
        #expect(try text("return setmetatable({}, object_mt)") == "{}")
        #expect(try text("return setmetatable({1, 2}, object_mt)") == "{\"1\":1,\"2\":2}")
        #expect(try message("return {x = setmetatable({a = 1}, array_mt)}") == "value.x is marked b24.array but is not a sequence")
        #expect(try text("return {1, null, 3}") == "[1,null,3]")
        #expect(try message("return {io.stdout}") == "value[1] is a userdata, which cannot be sent as JSON")
        #expect(try message("return {f = coroutine.create(print)}") == "value.f is a thread, which cannot be sent as JSON")
    }

    @Test func theHostileWalkDoesNotCrashAnyPath() throws {
        // Everything at once, deep and wide: either JSON or a message, and the stack stays balanced.
        let code = """
            local t = {}
            for i = 1, 200 do t[i] = {i, tostring(i), {[i] = i}, i % 7 == 0 and {} or nil} end
            local d = t; for _ = 1, 300 do d.deeper = {}; d = d.deeper end
            return t
            """
        #expect(try message(code)?.hasSuffix("is nested too deeply") == true)
    }
}
