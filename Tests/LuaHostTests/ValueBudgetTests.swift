import LuaHost
import Testing

/// A walk counts the values it visits, a table reached twice counting twice: a table DAG of
/// 22 levels (`t = {t, t}`, about 90 KB of Lua memory) would otherwise expand to 4 M values in
/// Swift memory, outside --max-memory (docs/lua-host.md, "One walk of a value").
@Suite struct ValueBudgetTests {
    static let dag = "local t = {} for i = 1, 22 do t = {t, t} end return t"

    func push(_ lua: LuaState, _ code: String) throws {
        try lua.main.load(code, chunkName: "=test")
        try lua.main.call(nargs: 0, nresults: 1)
    }

    @Test func aTableReachedAgainIsCountedAndTheWalkStops() throws {
        let lua = try LuaState()
        try push(lua, Self.dag)
        var census = OneWalkTests.Census()
        var budget = 10_000
        lua.main.walk(at: -1, budget: &budget, &census)
        #expect(census.refusals.contains(.tooManyValues))
        #expect(census.refusals.allSatisfy { $0 == .tooManyValues })
        // the budget, plus the siblings refused on the way back up: never the 4 M leaves
        #expect(census.tables + census.scalars < 10_200, "\(census.tables) tables, \(census.scalars) scalars")
        #expect(budget < 0)
    }

    /// A string is shared in Lua as a table is: reached 64 times, a 1 MiB string would be copied
    /// 64 times. Its bytes count (one value per `bytesPerValue`), and past the budget the walk
    /// reads no more strings.
    @Test func aStringReachedAgainCountsItsBytes() throws {
        let lua = try LuaState()
        try push(lua, "local s = string.rep('x', 1 << 20) local t = {} for i = 1, 64 do t[i] = s end return t")
        var census = OneWalkTests.Census()
        var budget = 4 * (1 << 20) / LuaNesting.bytesPerValue  // a little under four copies, with the keys
        lua.main.walk(at: -1, budget: &budget, &census)
        #expect(census.refusals.count == 61 && census.refusals.allSatisfy { $0 == .tooManyValues }, "\(census.refusals.count)")
        #expect(census.scalars == 64 + 3, "the 64 keys and three copies")
        #expect(budget < 0)
        lua.setMemoryLimit(bytes: 4 << 20)  // inspection's budget: about three copies of 50 shown
        let shown = lua.main.inspect(at: -1).rendered()
        let placeholder = shown.contains("<string>")  // not the text itself in a failure's message
        #expect(placeholder, "\(shown.utf8.count) bytes shown")
    }

    @Test func theBudgetFollowsTheMemoryLimit() throws {
        let lua = try LuaState()
        #expect(lua.main.valueBudget == LuaNesting.maxValues)
        lua.setMemoryLimit(bytes: 16 << 20)
        #expect(lua.main.valueBudget == (16 << 20) / LuaNesting.bytesPerValue)
        lua.setMemoryLimit(bytes: 1 << 40)
        #expect(lua.main.valueBudget == LuaNesting.maxValues, "a fixed ceiling whatever the limit")
    }

    @Test func copyingRefusesTheDAGAndKeepsWhatFits() throws {
        let lua = try LuaState()
        lua.setMemoryLimit(bytes: 16 << 20)
        try push(lua, Self.dag)
        #expect(throws: LuaError.self) { try lua.main.value(at: -1) }
        lua.main.pop()
        // 10 levels: 2047 tables, well within the budget, converted whole
        try push(lua, "local t = {} for i = 1, 10 do t = {t, t} end return t")
        var census = OneWalkTests.Census()
        lua.main.walk(at: -1, &census)
        #expect(census.refusals == [] && census.tables == 2047)
    }
}
