import LuaHost
import Testing

/// The REPL's printing, from values built in Swift and from a real Lua state.
@Suite struct InspectedValueRenderingTests {
    @Test func scalarsReadAsLuaLiterals() {
        #expect(InspectedValue.nil.rendered() == "nil")
        #expect(InspectedValue.boolean(true).rendered() == "true")
        #expect(InspectedValue.integer(-42).rendered() == "-42")
        #expect(InspectedValue.number(1).rendered() == "1.0")
        #expect(InspectedValue.number(0.1 + 0.2).rendered() == "0.3")
        #expect(InspectedValue.number(1e308 * 10).rendered() == "inf")
        #expect(InspectedValue.number(-.infinity).rendered() == "-inf")
    }

    @Test func stringsAreQuotedAndEscaped() {
        #expect(InspectedValue.string("lead").rendered() == #""lead""#)
        #expect(InspectedValue.string("a\"b\\c\nd\te").rendered() == #""a\"b\\c\nd\te""#)
        #expect(InspectedValue.string("Привет").rendered() == "\"Привет\"")
        #expect(InspectedValue.string([0x01, 0x41]).rendered() == #""\1A""#)
        #expect(InspectedValue.string([0x01, 0x32]).rendered() == #""\0012""#)
        #expect(InspectedValue.string([0xff, 0x41]).rendered() == #""\255A""#)
    }

    @Test func sequencesStayOnOneLine() {
        let ids = InspectedValue.table(InspectedTable(sequence: (1...40).map { .integer(Int64($0)) }))
        let text = ids.rendered()
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix("{1, 2, 3, "))
        #expect(text.hasSuffix(", 40}"))
    }

    @Test func mapsHaveSortedKeysAndSequenceItemsFirst() {
        var table = InspectedTable(map: ["user": .integer(503), "entity_type": .string("lead"), "chat": .integer(1763)])
        table.entries.append(.init(key: .integer(2), value: .string("b")))
        table.entries.append(.init(key: .integer(1), value: .string("a")))
        table.entries.append(.init(key: .string("end"), value: .boolean(true)))
        table.entries.append(.init(key: .boolean(false), value: .integer(0)))
        table.entries.append(.init(key: .integer(10), value: .integer(10)))
        #expect(InspectedValue.table(table).rendered(layout: InspectionLayout(width: 120)) ==
                #"{"a", "b", [10] = 10, chat = 1763, ["end"] = true, entity_type = "lead", user = 503, [false] = 0}"#)
    }

    @Test func longMapsBreakIntoIndentedLines() {
        let inner = InspectedValue.table(InspectedTable(map: ["connector": .string("livechat"), "chat": .integer(1763),
                                                               "connector_title": .string("Live Chat")]))
        let outer = InspectedValue.table(InspectedTable(sequence: [inner, inner]))
        #expect(outer.rendered() == """
            {
              {chat = 1763, connector = "livechat", connector_title = "Live Chat"},
              {chat = 1763, connector = "livechat", connector_title = "Live Chat"},
            }
            """)
    }

    @Test func placeholdersForWhatHasNoLiteral() {
        let table = InspectedTable(map: ["f": .opaque(type: "function"), "self": .cycle, "deep": .elided,
                                         "err": .described("b24: E (403)")])
        #expect(InspectedValue.table(table).rendered() ==
                "{deep = {...}, err = <b24: E (403)>, f = <function>, self = <cycle>}")
        #expect(InspectedValue.described("b24: ACCESS_DENIED (403) x").rendered() == "b24: ACCESS_DENIED (403) x")
    }

    @Test func omittedItemsAreCounted() {
        let table = InspectedTable(sequence: [.integer(1), .integer(2)], omitted: 98)
        #expect(InspectedValue.table(table).rendered() == "{1, 2, ... (98 more)}")
        #expect(InspectedValue.table(InspectedTable()).rendered() == "{}")
    }
}

@Suite struct LuaInspectionTests {
    func inspect(_ code: String, limits: InspectionLimits = InspectionLimits()) throws -> String {
        let lua = try LuaState()
        try lua.main.load(code, chunkName: "=test")
        try lua.main.call(nresults: 1)
        defer { lua.main.pop() }
        return lua.main.inspect(at: -1, limits: limits).rendered()
    }

    @Test func aTableFromLua() throws {
        #expect(try inspect("return {1, 2, 3, name = 'x', [1.5] = true}") == #"{1, 2, 3, [1.5] = true, name = "x"}"#)
    }

    @Test func cyclesAreMarkedNotFollowed() throws {
        #expect(try inspect("local t = {name = 'loop'}; t.self = t; return t") == #"{name = "loop", self = <cycle>}"#)
        // The same table twice, side by side, is not a cycle.
        #expect(try inspect("local s = {1}; return {s, s}") == "{{1}, {1}}")
    }

    @Test func depthAndItemLimits() throws {
        #expect(try inspect("return {a = {b = {c = {}}}}", limits: InspectionLimits(maxDepth: 2)) == "{a = {b = {...}}}")
        #expect(try inspect("local t = {} for i = 1, 100 do t[i] = i end return t", limits: InspectionLimits(maxItems: 3))
                == "{1, 2, 3, ... (97 more)}")
    }

    @Test func functionsAndUserdataArePlaceholders() throws {
        #expect(try inspect("return {print, io.stdout, coroutine.create(print)}")
                .hasPrefix("{<function>, <file ("))
        #expect(try inspect("return {coroutine.create(print)}") == "{<thread>}")
    }

    @Test func errorObjectsShowTheirOneLineForm() throws {
        let code = """
            local Error = {__name = "b24.Error", __tostring = function(e) return "b24: " .. e.code .. " (403) chat" end}
            return setmetatable({code = "ACCESS_DENIED", traceback = "..."}, Error)
            """
        #expect(try inspect(code) == "b24: ACCESS_DENIED (403) chat")
    }

    @Test func aFailingTostringDoesNotEscape() throws {
        let text = try inspect("return setmetatable({}, {__tostring = function() error('boom') end})")
        #expect(text.contains("error in __tostring"))
        #expect(text.contains("boom"))
    }

    @Test func indexMetamethodsAreNotRun() throws {
        let code = "return setmetatable({x = 1}, {__index = function() error('ran') end, __pairs = function() error('ran') end})"
        #expect(try inspect(code) == "{x = 1}")
    }
}
