import LuaHost
import Testing

@Suite struct ValueRoundTripTests {
    func roundTrip(_ v: LuaValue) throws -> LuaValue {
        let lua = try LuaState()
        try lua.main.push(v)
        defer { lua.main.pop() }
        return try lua.main.value(at: -1)
    }

    @Test(arguments: [
        LuaValue.nil, .boolean(true), .boolean(false),
        .integer(0), .integer(Int64.max), .integer(Int64.min), .integer(-1),
        .number(0.5), .number(-1e300), .number(Double.infinity), .number(3.0),
        .string(""), .string("héllo"), .string([0, 1, 0, 255, 128]),
    ])
    func scalars(_ v: LuaValue) throws {
        #expect(try roundTrip(v) == v)
    }

    @Test func integersAndFloatsStayApart() throws {
        let lua = try LuaState()
        let r = try lua.run("return 3, 3.0, 2^53, 7 // 2, 7 / 2")
        #expect(r == [.integer(3), .number(3.0), .number(9007199254740992), .integer(3), .number(3.5)])
    }

    @Test func embeddedZerosReachLua() throws {
        let lua = try LuaState()
        lua.main.push(bytes: [65, 0, 66, 0])
        lua.main.setGlobal("s")
        #expect(try lua.run("return #s, s:byte(2), s:sub(3, 3)") == [.integer(4), .integer(0), .string("B")])
    }

    @Test func nestedTables() throws {
        var inner = LuaTable()
        inner["x"] = .sequence([.integer(1), .string("two"), .boolean(false)])
        inner[.integer(10)] = .number(1.5)
        inner[.boolean(true)] = .string("yes")
        let v = LuaValue.table(inner)
        #expect(try roundTrip(.map(["a": v, "b": .sequence([])])) == .map(["a": v, "b": .sequence([])]))
    }

    @Test func sequencesReadInOrder() throws {
        let lua = try LuaState()
        let r = try lua.run("return {10, 20, 30, n = 3}")
        guard case .table(let t) = r[0] else { Issue.record("not a table"); return }
        #expect(t.sequence == [.integer(10), .integer(20), .integer(30)])
        #expect(t["n"] == .integer(3))
    }

    @Test func cyclesAreErrorsNotHangs() throws {
        let lua = try LuaState()
        try lua.main.load("local t = {}; t.self = t; return t", chunkName: "=t")
        try lua.main.call()
        #expect(throws: LuaError.self) { try lua.main.value(at: -1) }
    }

    @Test func functionsAreOpaque() throws {
        let lua = try LuaState()
        let r = try lua.run("return print, coroutine.create(print)")
        guard case .opaque(let type, _) = r[0], case .opaque(let type2, _) = r[1] else {
            Issue.record("expected opaque values, got \(r)"); return
        }
        #expect(type == "function")
        #expect(type2 == "thread")
    }
}
