import B24
import B24Wire
@testable import B24Lua
import Foundation
import B24Sandbox
import LuaHost
import Testing

/// The module in-process, against the real sandbox handler (no socket): JSON mapping, error
/// objects, try, and the markers. As in the binary, Lua runs on a thread of its own: a `b24`
/// call blocks its thread while the client works on Swift's cooperative pool.
@Suite struct ModuleInProcessTests {
    let harness: InProcessModule
    var lua: LuaState { harness.lua }

    init() throws { harness = try InProcessModule(sandboxViews: true) }

    func run(_ code: String) async throws -> [LuaValue] { try await harness.run(code) }

    @Test(arguments: [
        "[1,2.5,\"x\",true,null,[]]",
        "{\"a\":{\"b\":[1,{}]},\"n\":-7,\"f\":1.0}",
        "[]", "{}", "[null,null,3]",
    ])
    func jsonRoundTripsThroughLua(_ text: String) throws {
        let v = try JSONValue.parse(text)
        try lua.main.push(v)
        defer { lua.main.pop() }
        let back = try lua.main.read(JSONValue.self, at: -1)
        // Objects come back with sorted keys; nulls inside objects are dropped (absent keys).
        #expect(back.serialized(sortKeys: true) == v.serialized(sortKeys: true))
    }

    @Test func luaTablesBecomeTheRightJSON() async throws {
        let r = try await run("""
            local t = {}
            t.self = t
            return b24_json({1, 2, 3}), b24_json({a = 1, [2] = "x"}), b24_json(b24.array()), b24_json(b24.object()),
                   b24_json({1, b24.null, 3}), select(2, pcall(b24_json, t)), select(2, pcall(b24_json, {f = print})),
                   select(2, pcall(b24_json, {0/0})), select(2, pcall(b24_json, {"\\255"}))
            """.replacingOccurrences(of: "b24_json", with: "jsonOf"), prelude: true)
        #expect(r[0] == .string("[1,2,3]"))
        #expect(r[1] == .string("{\"2\":\"x\",\"a\":1}"))
        #expect(r[2] == .string("[]"))
        #expect(r[3] == .string("{}"))
        #expect(r[4] == .string("[1,null,3]"))
        #expect(r[5].stringValue?.contains("value.self contains a cycle") == true)
        #expect(r[6].stringValue?.contains("value.f is a function") == true)
        #expect(r[7].stringValue?.contains("which JSON cannot carry") == true)
        #expect(r[8].stringValue?.contains("not valid UTF-8") == true)
    }

    /// Runs `code` with `jsonOf(v)` defined: the JSON text of a Lua value, or an error.
    func run(_ code: String, prelude: Bool) async throws -> [LuaValue] {
        lua.main.register("jsonOf") { s in
            s.push(try s.read(JSONValue.self, at: 1).serialized(sortKeys: true))
            return 1
        }
        return try await run(code)
    }

    @Test func errorObjectsHaveTheFieldsAndTheOneLineForm() async throws {
        let r = try await run("""
            local ok, e = pcall(b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 504, chat = 1763})
            return ok, b24.is_error(e), e.code, e.status, e.kind, e.retryable, e.method, tostring(e),
                   e:is("WRONG_REQUEST"), e:is("state"), e:is("access"), getmetatable(e).__name,
                   type(e.traceback) == "string" and e.traceback:find("in main chunk") ~= nil
            """)
        #expect(r == [
            .boolean(false), .boolean(true), .string("WRONG_REQUEST"), .integer(400), .string("state"), .boolean(false),
            .string("imopenlines.crm.chat.user.delete"),
            .string("b24: WRONG_REQUEST (400) imopenlines.crm.chat.user.delete: You don't have access or user already not in chat"),
            .boolean(true), .boolean(true), .boolean(false), .string("b24.Error"), .boolean(true),
        ])
    }

    @Test func tryReturnsNilAndTheErrorButRaisesOtherErrors() async throws {
        let r = try await run("""
            local v, e = b24.try.chat_last_id{entity_type = "lead", entity = 1206}
            local weird = setmetatable({}, {__len = function() error("plain bug", 0) end})
            local ok, msg = pcall(b24.try.each, weird, print)
            return v, e.code, b24.try.chat_last_id{entity_type = "lead", entity = 1205}, ok, msg
            """)
        #expect(r == [.nil, .string("CRM_CHAT_EMPTY_CRM_DATA"), .integer(1763), .boolean(false), .string("plain bug")])
    }

    @Test func requireReturnsTheSameModuleAndItIsAPlainTable() async throws {
        let r = try await run("""
            local n = 0
            for k, v in pairs(b24) do if type(v) == "function" then n = n + 1 end end
            -- Plain: every field is raw; the metatable only answers a misspelt name (README "A tour of b24").
            local mt = getmetatable(b24)
            local plain = mt.__newindex == nil and type(mt.__index) == "function" and rawget(b24, "chat_get") == b24.chat_get
            return require("b24") == b24, plain, n == 13, b24.portal, b24.sandbox.members(1763)[2]
            """)
        #expect(r == [.boolean(true), .boolean(true), .boolean(true), .string("sandbox.example"), .integer(503)])
    }

    /// The id cursor (start = -1) yields the same items as offset paging, 50 per request.
    @Test func listByOffsetAndByIdCursorAgree() async throws {
        let r = try await run("""
            local function ids(m, p, field)
              local out = {}
              for item in b24.list(m, p) do out[#out + 1] = tostring(item[field]) end
              return table.concat(out, ",")
            end
            local users, users_cursor = ids("user.get", {}, "ID"), ids("user.get", {start = -1}, "ID")
            local leads = ids("crm.item.list", {entityTypeId = 1}, "id")
            local leads_cursor = ids("crm.item.list", {entityTypeId = 1, start = -1}, "id")
            local calls = b24.sandbox.state().stats.by_method
            local ok, err = pcall(b24.list, "im.chat.user.list", {start = -1})
            return users == users_cursor, select(2, users:gsub(",", "")) + 1, leads == leads_cursor,
                   select(2, leads:gsub(",", "")) + 1, calls["user.get"], calls["crm.item.list"], err.code
            """)
        #expect(r == [.boolean(true), .integer(66), .boolean(true), .integer(62), .integer(4), .integer(4),
                      .string("INVALID_ARGUMENT")])
    }

    /// `b24._doc` is compiled on its first read (docs/performance.md), and reads as it did when
    /// it was filled at start-up: by key, by pairs(), keeping what a script set before.
    @Test func theHelpTextsLoadOnFirstReadAndReadAsBefore() async throws {
        let r = try await run("""
            local before = getmetatable(b24._doc) ~= nil and rawget(b24._doc, "chat_get") == nil
            b24._doc.mine = "my text"
            local text = b24._doc.chat_get
            local after = getmetatable(b24._doc) == nil
            local n = 0
            for _ in pairs(b24._doc) do n = n + 1 end
            return before, type(text), text:find("b24.chat_get", 1, true) ~= nil, after, n > 40,
                   b24._doc.mine, b24._doc.no_such_name
            """)
        #expect(r == [.boolean(true), .string("string"), .boolean(true), .boolean(true), .boolean(true),
                      .string("my text"), .nil])
    }

    @Test func pairsAloneFillsTheHelpTexts() async throws {
        let r = try await run("""
            local names = {}
            for name in pairs(b24._doc) do names[#names + 1] = name end
            table.sort(names)
            return #names > 40, b24._doc.INVALID_ARGUMENT ~= nil
            """)
        #expect(r == [.boolean(true), .boolean(true)])
    }
}
