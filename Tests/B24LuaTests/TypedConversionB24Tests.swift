import B24
import B24Wire
@testable import B24Lua
import LuaHost
import Testing

/// The `b24` module's typed conversions (docs/lua-host.md, "Typed conversions"): JSON pushed
/// into Lua keeps the one depth rule, a batch command is read with its path named, an outcome
/// and a `B24Error` push themselves. Each tried with what a hostile answer or script hands it.
@Suite struct TypedConversionB24Tests {
    let lua: LuaState
    var s: LuaStack { lua.main }

    init() throws {
        lua = try LuaState()
        LuaJSON.defineMarkers(lua.main)
        ErrorObject.defineMetatable(lua.main)
    }

    /// An array nested `depth` arrays deep around 1.
    static func nested(_ depth: Int) -> JSONValue {
        var v = JSONValue.int(1)
        for _ in 0..<depth { v = .array([v]) }
        return v
    }

    /// An answer nested past the bound is an error with a clear message, not a C stack
    /// overflow: before the bound, pushing JSON recursed once per level without limit.
    @Test func jsonNestedPastTheBoundIsRefusedAndLeavesNothing() throws {
        let top = s.top
        try s.push(Self.nested(LuaNesting.maxDepth))
        #expect(try s.read(JSONValue.self, at: -1) == Self.nested(LuaNesting.maxDepth), "what Lua is handed it can send back")
        s.pop()
        for depth in [LuaNesting.maxDepth + 1, 3_000] {
            do {
                try s.push(Self.nested(depth))
                Issue.record("a JSON value \(depth) deep was pushed")
            } catch {
                #expect(error.message(root: "the answer") ==
                        "the answer is nested deeper than \(LuaNesting.maxDepth) tables, more than Lua is handed")
            }
            #expect(s.top == top)
        }
        // Objects count as arrays do.
        var o = JSONValue.int(1)
        for _ in 0...LuaNesting.maxDepth { o = .object(["k": o]) }
        #expect(throws: LuaError.self) { try s.push(o) }
        #expect(s.top == top)
    }

    /// The JSON values a portal answers with keep their kinds in Lua.
    @Test func pushedJSONKeepsKinds() throws {
        try s.push(JSONValue.array([.double(1.0), .int(1), .string("a\u{0}b"), .null, .array([]), .object([:]), .bool(false)]))
        defer { s.pop() }
        let t = s.absolute(-1)
        s.rawGet(t, key: 1); #expect(s.type(at: -1) == .number && !s.isInteger(at: -1), "1.0 stays a float"); s.pop()
        s.rawGet(t, key: 2); #expect(s.isInteger(at: -1)); s.pop()
        s.rawGet(t, key: 3); #expect(s.bytes(at: -1) == [97, 0, 98]); s.pop()
        s.rawGet(t, key: 4); #expect(s.hasMetatable(at: -1, named: LuaJSON.nullName), "null in an array is b24.null"); s.pop()
        s.rawGet(t, key: 5); #expect(s.hasMetatable(at: -1, named: LuaJSON.arrayName)); s.pop()
        s.rawGet(t, key: 6); #expect(s.hasMetatable(at: -1, named: LuaJSON.objectName)); s.pop()
        #expect(try s.read(JSONValue.self, at: -1) ==
                .array([.double(1.0), .int(1), .string("a\u{0}b"), .null, .array([]), .object([:]), .bool(false)]))
    }

    func commands(_ code: String) throws -> Result<[BatchCommand], LuaError> {
        try s.load(code, chunkName: "=test")
        try s.call(nargs: 0, nresults: 1)
        defer { s.pop() }
        do throws(LuaError) { return .success(try s.read([BatchCommand].self, at: -1)) } catch { return .failure(error) }
    }

    func fault(_ code: String) throws -> String? {
        if case .failure(let e) = try commands(code) { return e.message(root: "commands") }
        return nil
    }

    @Test func batchCommandsAreReadWithThePathNamed() throws {
        let read = try commands("return {{key = 'a', method = 'user.get', params = {ID = 1}}, {method = 'm'}, {key = 'c', method = 'm', params = {}}}")
        #expect(try read.get() == [BatchCommand(key: "a", method: "user.get", params: ["ID": 1]),
                                   BatchCommand(key: "", method: "m", params: [:]),
                                   BatchCommand(key: "c", method: "m", params: [:])])
        #expect(try fault("return {{method = 'm'}, 7}") == "commands[2] is number, table expected")
        #expect(try fault("return {{method = ''}}") == "commands[1] has no method name")
        #expect(try fault("return {{method = 'm', key = {}}}") == "commands[1].key is table, string expected")
        #expect(try fault("return {{method = 'm', params = {f = print}}}") ==
                "commands[1].params.f is a function, which cannot be sent as JSON")
        #expect(try fault("return {{method = 'm', params = {0/0}}}")?.hasSuffix("which JSON cannot carry") == true)
        #expect(try fault("local c = {method = 'm'}; c.params = {c = c}; return {c}") == "commands[1].params.c.params contains a cycle")
        #expect(try commands("local c = {key = 'k', method = 'm'}; return {c, c}").get().count == 2, "the same command twice is no cycle")
    }

    /// Each command's parameters are their own document on the wire: they may go as deep as a
    /// call's, however deep the list of commands sits.
    @Test func aCommandsParametersGetTheFullDepth() throws {
        let deep = { (n: Int) in "local p = {} local d = p for _ = 2, \(n) do d.x = {} d = d.x end return {{method = 'm', params = p}}" }
        #expect(try fault(deep(LuaNesting.maxDepth)) == nil)
        #expect(try fault(deep(LuaNesting.maxDepth + 1))?.hasSuffix("is nested too deeply") == true)
    }

    @Test func outcomesPushThemselvesAndAnAnswerTooDeepIsThatCommandsFailure() throws {
        let ok = RESTResponse(result: .int(7), envelope: ["result": 7])
        let deep = RESTResponse(result: Self.nested(LuaNesting.maxDepth), envelope: ["result": Self.nested(LuaNesting.maxDepth)])
        try s.push([BatchOutcome.success(ok), .failure(.invalidArgument("no", method: "m")), .success(deep)])
        defer { s.pop() }
        try s.load("""
            local o = ...
            return o[1].ok, o[1].result, o[2].ok, o[2].error.code, tostring(o[2].error), o[3].ok, o[3].error.code, o[3].error.description
            """, chunkName: "=test")
        s.pushValue(at: -2)
        try s.call(nargs: 1, nresults: 8)
        defer { s.pop(8) }
        #expect(s.bool(at: -8) && s.integer(at: -7) == 7)
        #expect(!s.bool(at: -6) && s.string(at: -5) == "INVALID_ARGUMENT" && s.string(at: -4) == "b24: INVALID_ARGUMENT m: no")
        #expect(!s.bool(at: -3) && s.string(at: -2) == "BAD_RESPONSE")
        #expect(s.string(at: -1) == "the answer is nested deeper than \(LuaNesting.maxDepth) tables, more than Lua is handed")
    }

    /// `tostring` and `is` read a b24.Error's fields raw and typed; a hostile table still renders.
    @Test func errorObjectsRenderWhateverTheirFieldsHold() throws {
        try s.load("""
            local E = ...
            local hostile = setmetatable({code = {}, status = "x", method = 12, description = 1.5}, E)
            local plain = setmetatable({code = "C", kind = "usage", status = 404, description = "d"}, E)
            return tostring(hostile), tostring(plain), plain:is("C"), plain:is("usage"), plain:is("other")
            """, chunkName: "=test")
        _ = s.pushMetatable(named: ErrorObject.metatableName)
        try s.call(nargs: 1, nresults: 5)
        defer { s.pop(5) }
        #expect(s.string(at: -5) == "b24: ERROR (x) 12: ")
        #expect(s.string(at: -4) == "b24: C (404): d")
        #expect(s.bool(at: -3) && s.bool(at: -2) && !s.bool(at: -1))
    }
}
