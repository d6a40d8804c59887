import LuaHost
import Testing

/// The wrappers that let the layers above LuaHost do without the C API: metatables, the
/// registry, raw traversal, identity, slot moves, warnings, userdata, and the one nesting rule.
/// Each is tried with values that are not what it expects, since a Swift primitive reached
/// from Lua can be handed anything.
@Suite struct StackAPITests {
    @Test func typesAreCasesNotConstants() throws {
        let lua = try LuaState()
        let s = lua.main
        try lua.main.load("return nil, true, 1, 's', {}, print, coroutine.create(print)", chunkName: "=t")
        try s.call()
        #expect((1...7).map { s.type(at: $0) } == [.nil, .boolean, .number, .string, .table, .function, .thread])
        #expect(s.type(at: 8) == .none && s.type(at: 8).isNoneOrNil && s.type(at: 1).isNoneOrNil)
        #expect(LuaType.allCases.map(\.name).contains("no value"))
        #expect(s.getGlobal("string") == .table && s.rawGet(-1, key: "format") == .function)
    }

    @Test func namedMetatables() throws {
        let lua = try LuaState()
        let s = lua.main
        let base = s.top
        #expect(s.pushMetatable(named: "t.Thing") == .nil)
        s.pop()
        #expect(s.newMetatable(named: "t.Thing"))
        #expect(s.rawGet(-1, key: "__name") == .string && s.string(at: -1) == "t.Thing")
        s.pop(2)
        #expect(!s.newMetatable(named: "t.Thing"))  // already there: the same table
        s.pop()
        #expect(s.pushMetatable(named: "t.Thing") == .table)
        s.pop()

        s.newTable()
        s.setMetatable(named: "t.Thing")
        #expect(s.hasMetatable(at: -1, named: "t.Thing"))
        #expect(!s.hasMetatable(at: -1, named: "t.Other"))
        s.setGlobal("thing")
        #expect(try lua.run("return tostring(thing):match('^t.Thing: ') ~= nil") == [.boolean(true)])

        // Not a table or userdata: nothing happens, nothing is left behind.
        s.push(42)
        s.setMetatable(named: "t.Thing")
        #expect(!s.hasMetatable(at: -1, named: "t.Thing") && !s.pushMetatable(ofValueAt: -1))
        s.pop()
        #expect(s.top == base)
    }

    @Test func metatableOfAValue() throws {
        let lua = try LuaState()
        let s = lua.main
        s.newTable()
        s.newTable()
        s.push("yes")
        s.rawSet(-2, key: "marker")
        s.setMetatable(ofValueAt: -2)
        #expect(s.pushMetatable(ofValueAt: -1))
        #expect(s.rawGet(-1, key: "marker") == .string)
        s.pop(2)
        // A number cannot take a metatable; a string as metatable is refused: both only pop.
        let top = s.top
        s.push(1)
        s.newTable()
        s.setMetatable(ofValueAt: -2)
        #expect(s.top == top + 1)
        s.push("not a table")
        s.setMetatable(ofValueAt: -2)
        #expect(s.top == top + 1)
        s.pop(2)
    }

    @Test func registryIsReadAndWrittenRaw() throws {
        let lua = try LuaState()
        let s = lua.main
        #expect(s.registryGet("t.key") == .nil)
        s.pop()
        s.push("kept")
        s.registrySet("t.key")
        #expect(s.registryGet("t.key") == .string && s.string(at: -1) == "kept")
        s.pop()
        #expect(try lua.run("return debug.getregistry()['t.key']") == [.string("kept")])
    }

    @Test func traversalVisitsEveryEntryAndKeepsTheStack() throws {
        let lua = try LuaState()
        let s = lua.main
        _ = try lua.run("t = {10, 20, 30, x = 'a', y = 'b'}")
        s.getGlobal("t")
        let base = s.top
        var seen: [LuaValue: LuaValue] = [:]
        s.forEachEntry(inTableAt: -1) { k, v in
            seen[try! s.value(at: k)] = try! s.value(at: v)
            s.push("scratch")  // dropped by the loop
            s.push("more")
            return true
        }
        #expect(s.top == base)
        #expect(seen == [.integer(1): .integer(10), .integer(2): .integer(20), .integer(3): .integer(30),
                         .string("x"): .string("a"), .string("y"): .string("b")])

        var visits = 0
        s.forEachEntry(inTableAt: -1) { _, _ in visits += 1; return false }
        #expect(visits == 1 && s.top == base)

        struct Stop: Error {}
        #expect(throws: Stop.self) { try s.forEachEntry(inTableAt: -1) { _, _ throws(Stop) in throw Stop() } }
        #expect(s.top == base)

        // Not a table: no visit (lua_next on it would be undefined behaviour).
        s.push("string")
        s.forEachEntry(inTableAt: -1) { _, _ in Issue.record("visited a string"); return true }
        s.pop(2)
    }

    @Test func identityAndRawEquality() throws {
        let lua = try LuaState()
        let s = lua.main
        _ = try lua.run("a = setmetatable({}, {__eq = function() return true end}); b = setmetatable({}, getmetatable(a))")
        s.getGlobal("a")
        s.getGlobal("b")
        s.getGlobal("a")
        #expect(!s.rawEqual(-3, -2) && s.rawEqual(-3, -1))
        #expect(s.identity(at: -3) == s.identity(at: -1) && s.identity(at: -3) != s.identity(at: -2))
        s.push(5)
        #expect(s.identity(at: -1) == 0)
        s.pop(4)
    }

    @Test func slotMoves() throws {
        let lua = try LuaState()
        let s = lua.main
        let base = s.top
        for i in 1...3 { s.push(i) }
        s.push(9)
        s.insert(at: base + 1)  // 9 1 2 3
        #expect((1...4).map { s.integer(at: base + $0) } == [9, 1, 2, 3])
        s.remove(at: base + 2)  // 9 2 3
        #expect((1...3).map { s.integer(at: base + $0) } == [9, 2, 3])
        s.push(7)
        s.replace(at: base + 1)  // 7 2 3
        s.copy(from: base + 3, to: base + 2)  // 7 3 3
        #expect(s.top == base + 3 && (1...3).map { s.integer(at: base + $0) } == [7, 3, 3])
        s.top = base
    }

    @Test func warningsFollowLuasControlMessages() throws {
        let lua = try LuaState()
        // Off by default, as in lua(1): a warning is dropped; `@on` turns them on. Both must
        // simply return (lua_warning never raises).
        lua.main.warn("dropped")
        lua.main.warn("@on")
        lua.main.warn("@off")
        lua.main.warn("dropped again, ", continued: true)
        lua.main.warn("in two pieces")
        #expect(lua.main.top == 0)
    }

    @Test func userdataWithANamedMetatable() throws {
        let lua = try LuaState()
        let s = lua.main
        s.newMetatable(named: "t.Box")
        s.pop()
        let memory = s.newUserdata(byteCount: 8, metatable: "t.Box")
        memory.storeBytes(of: Int64(1234), as: Int64.self)
        #expect(s.type(at: -1) == .userdata)
        #expect(s.userdata(at: -1, named: "t.Box")?.load(as: Int64.self) == 1234)
        #expect(s.userdata(at: -1, named: "t.Other") == nil)
        s.newTable()
        #expect(s.userdata(at: -1, named: "t.Box") == nil)  // a table with no metatable
        s.pop()
        s.setGlobal("box")
        #expect(try lua.run("return tostring(box):match('^t.Box: ') ~= nil") == [.boolean(true)])
    }

    @Test func oneNestingRuleForEveryWalker() throws {
        let lua = try LuaState()
        let s = lua.main
        // LuaNesting.maxDepth tables deep converts; one more does not.
        let fits = "local t = {}; local d = t; for _ = 2, \(LuaNesting.maxDepth) do d[1] = {}; d = d[1] end; return t"
        let tooDeep = "local t = {}; local d = t; for _ = 1, \(LuaNesting.maxDepth) do d[1] = {}; d = d[1] end; return t"
        #expect(throws: Never.self) { try lua.run(fits) }
        #expect(throws: LuaError.self) { try lua.run(tooDeep) }
        // A larger maxDepth is capped at the one rule.
        try s.load(tooDeep, chunkName: "=t")
        try s.call(nargs: 0, nresults: 1)
        #expect(throws: LuaError.self) { try s.value(at: -1, maxDepth: 1000) }
        // Inspection shows the cut instead of failing.
        #expect(s.inspect(at: -1, limits: InspectionLimits(maxDepth: 1000)).rendered().contains("{...}"))
        s.pop()

        var nesting = LuaNesting(maxDepth: 2)
        s.newTable()
        s.newTable()
        #expect(nesting.enter(s, tableAt: -2) == nil)
        #expect(nesting.enter(s, tableAt: -2) == .cycle)
        #expect(nesting.enter(s, tableAt: -1) == nil && nesting.depth == 2)
        s.newTable()
        #expect(nesting.enter(s, tableAt: -1) == .tooDeep)
        nesting.leave()
        #expect(nesting.enter(s, tableAt: -1) == nil)  // siblings are not cycles
        s.pop(3)
    }
}
