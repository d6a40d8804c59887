import LuaHost
import Testing

/// The one walk of a Lua value (docs/lua-host.md, "One walk of a value"): copying and
/// inspection are visitors of it, so they agree on depth, cycles and what is read raw. Hostile
/// values from a script must give an answer or an error, never a hang, a crash or Lua code run.
@Suite struct OneWalkTests {
    /// Counts what the walk hands a visitor, and the deepest table it was let into.
    struct Census: LuaValueVisitor {
        typealias Output = Void
        typealias Failure = Never
        var scalars = 0, others = 0, tables = 0, deepest = 0
        var refusals: [LuaNesting.Refusal] = []

        mutating func visitNil() { scalars += 1 }
        mutating func visitBoolean(_ value: Bool) { scalars += 1 }
        mutating func visitInteger(_ value: Int64) { scalars += 1 }
        mutating func visitNumber(_ value: Double) { scalars += 1 }
        mutating func visitString(_ bytes: UnsafeBufferPointer<UInt8>) { scalars += 1 }
        mutating func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) { others += 1 }
        mutating func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) { refusals.append(refusal) }
        mutating func visitTable(at index: Int32, walk: inout LuaWalk) {
            tables += 1
            deepest = max(deepest, walk.depth)
            walk.forEachEntry(inTableAt: index) { walk, k, v in
                walk.visit(at: k, &self)
                walk.visit(at: v, &self)
                return true
            }
        }
    }

    func census(_ lua: LuaState, _ code: String, maxDepth: Int = LuaNesting.maxDepth) throws -> Census {
        let s = lua.main
        try s.load(code, chunkName: "=test")
        try s.call(nargs: 0, nresults: 1)
        defer { s.pop() }
        var c = Census()
        let top = s.top
        s.walk(at: -1, maxDepth: maxDepth, &c)
        #expect(s.top == top, "the walk leaves the stack as it found it")
        return c
    }

    static let deep300 = "local t = {}; local d = t; for _ = 1, 300 do d[1] = {}; d = d[1] end; return t"

    @Test func theWalkEntersExactlyTheDepthTheRuleAllows() throws {
        let lua = try LuaState()
        let c = try census(lua, Self.deep300)
        #expect(c.tables == LuaNesting.maxDepth && c.deepest == LuaNesting.maxDepth)
        #expect(c.refusals == [.tooDeep])
        let capped = try census(lua, Self.deep300, maxDepth: 1000)  // never deeper than the one rule
        #expect(capped.tables == LuaNesting.maxDepth)
        let shallow = try census(lua, Self.deep300, maxDepth: 3)
        #expect(shallow.tables == 3 && shallow.refusals == [.tooDeep])
    }

    @Test func cyclesThroughValuesAndKeysAreRefusedSiblingsAreNot() throws {
        let lua = try LuaState()
        let viaValue = try census(lua, "local t = {}; t.self = t; return t")
        #expect(viaValue.tables == 1 && viaValue.refusals == [.cycle])
        let viaKey = try census(lua, "local t = {}; t[t] = 1; return t")
        #expect(viaKey.tables == 1 && viaKey.refusals == [.cycle])
        let long = try census(lua, "local a, b, c = {}, {}, {}; a.b = b; b.c = c; c.a = a; return a")
        #expect(long.tables == 3 && long.refusals == [.cycle])
        let siblings = try census(lua, "local s = {1}; return {s, s, {s}}")
        #expect(siblings.tables == 5 && siblings.refusals.isEmpty)
    }

    @Test func noMetamethodRunsWhileCopying() throws {
        let lua = try LuaState()
        let code = """
            local boom = function() error("a metamethod ran") end
            local mt = {__index = boom, __newindex = boom, __pairs = boom, __len = boom, __eq = boom,
                        __lt = boom, __le = boom, __call = boom, __tostring = boom, __name = "Hostile"}
            local inner = setmetatable({1, 2}, mt)
            return setmetatable({inner, [inner] = inner, x = inner}, mt)
            """
        let v = try lua.run(code)[0]
        guard case .table(let t) = v, case .table(let inner)? = t[.integer(1)] else {
            Issue.record("not a table: \(v)")
            return
        }
        #expect(inner.sequence == [.integer(1), .integer(2)])
        #expect(t.entries.count == 3)
        // Inspection runs only __tostring, under pcall: the failure is shown, not raised.
        try lua.main.load(code, chunkName: "=t")
        try lua.main.call(nargs: 0, nresults: 1)
        #expect(lua.main.inspect(at: -1).rendered().contains("error in __tostring"))
        lua.main.pop()
    }

    @Test func copyAndInspectionAgreeOnHostileValues() throws {
        let lua = try LuaState()
        let s = lua.main
        let cases: [(code: String, copyError: String?, shown: String)] = [
            (Self.deep300, "value is nested too deeply", "{...}"),
            ("local t = {}; t.self = t; return t", "value contains a cycle", "<cycle>"),
            ("local t = {}; t[t] = true; return t", "value contains a cycle", "<cycle>"),
            ("return {1, 2, x = 'y', [1.5] = 0/0, [true] = math.maxinteger, [false] = math.mininteger}", nil, "[true] = 9223372036854775807"),
            ("return {2^63, -0.0, 1/0, -1/0, 'a\\0b'}", nil, "9.2233720368548e+18"),
        ]
        for c in cases {
            try s.load(c.code, chunkName: "=t")
            try s.call(nargs: 0, nresults: 1)
            defer { s.pop() }
            if let message = c.copyError {
                #expect(throws: LuaError.self, "\(c.code)") { try s.value(at: -1) }
                do { _ = try s.value(at: -1) } catch { #expect(error.description == message, "\(c.code)") }
            } else {
                #expect(throws: Never.self, "\(c.code)") { try s.value(at: -1) }
            }
            let shown = s.inspect(at: -1, limits: InspectionLimits(maxDepth: 1000)).rendered()
            #expect(shown.contains(c.shown), "\(c.code): \(shown)")
        }
    }

    @Test func hugeIntegersAndFloatsKeepTheirKind() throws {
        let lua = try LuaState()
        let v = try lua.run("return {math.maxinteger, math.mininteger, 2^63, 0/0, [math.mininteger] = 'min'}")[0]
        guard case .table(let t) = v else { Issue.record("\(v)"); return }
        #expect(t[.integer(1)] == .integer(.max) && t[.integer(2)] == .integer(.min))
        #expect(t[.integer(3)] == .number(9_223_372_036_854_775_808))
        if case .number(let d)? = t[.integer(4)] { #expect(d.isNaN) } else { Issue.record("NaN lost: \(t)") }
        #expect(t[.integer(.min)] == .string("min"))
    }
}
