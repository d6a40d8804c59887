import CLua
import LuaHost
import Testing

/// The typed conversions (docs/lua-host.md, "Typed conversions"): `LuaRead` through the one walk,
/// `LuaPush` through the one push walk. Each is tried with what a hostile script or a hostile
/// answer hands it: wrong types, integer-valued floats, NaN and infinities, byte strings,
/// holes, cycles, values too deep or too many. An error names the value at fault; none traps,
/// and the stack is left as it was.
@Suite struct TypedConversionTests {
    let lua: LuaState
    var s: LuaStack { lua.main }

    init() throws { lua = try LuaState() }

    /// Reads what `code` returns as `T`, or the error's message; the stack is checked balanced.
    func read<T: LuaRead>(_ type: T.Type, _ code: String) throws -> Result<T, LuaError> {
        try s.load(code, chunkName: "=test")
        try s.call(nargs: 0, nresults: 1)
        defer { s.pop() }
        let top = s.top
        defer { #expect(s.top == top, "a read leaves the stack as it found it") }
        do throws(LuaError) { return .success(try s.read(T.self, at: -1)) } catch { return .failure(error) }
    }

    func fault<T: LuaRead>(_ type: T.Type, _ code: String) throws -> String? {
        if case .failure(let e) = try read(type, code) { return e.message }
        return nil
    }

    func value<T: LuaRead>(_ type: T.Type, _ code: String) throws -> T? {
        if case .success(let v) = try read(type, code) { return v }
        return nil
    }

    @Test func stringsAreStringsAndKeepEveryByte() throws {
        #expect(try value(String.self, "return 'a\\0b'") == "a\u{0}b")
        #expect(try value(String.self, "return ''") == "")
        // A number is not converted (that would change its slot); invalid UTF-8 is repaired.
        #expect(try fault(String.self, "return 12") == "value is number, string expected")
        #expect(try fault(String.self, "return nil") == "value is nil, string expected")
        #expect(try value(String.self, "return '\\255x'") == "\u{FFFD}x")
        #expect(try value(String?.self, "return nil") == .some(nil))
    }

    @Test func integersAreExactAndIntegerValuedFloatsCount() throws {
        #expect(try value(Int64.self, "return math.maxinteger") == Int64.max)
        #expect(try value(Int64.self, "return math.mininteger") == Int64.min)
        #expect(try value(Int64.self, "return 3.0") == 3)
        #expect(try value(Int64.self, "return -0.0") == 0)
        #expect(try fault(Int64.self, "return 3.5") == "value is a number without an integer value, integer expected")
        #expect(try fault(Int64.self, "return 2^63") == "value is a number without an integer value, integer expected")
        #expect(try fault(Int64.self, "return 0/0") == "value is a number without an integer value, integer expected")
        #expect(try fault(Int64.self, "return '3'") == "value is string, integer expected")
    }

    @Test func doublesTakeEveryNumberAndBooleansAreLuasTruth() throws {
        #expect(try value(Double.self, "return 1/0") == .infinity)
        #expect(try value(Double.self, "return 0/0")?.isNaN == true)
        #expect(try value(Double.self, "return 7") == 7)
        #expect(try fault(Double.self, "return '1'") == "value is string, number expected")
        for (code, truth) in [("nil", false), ("false", false), ("0", true), ("''", true), ("{}", true)] {
            #expect(try value(Bool.self, "return \(code)") == truth, "\(code)")
        }
    }

    @Test func sequencesNameTheElementAtFaultAndStopAtTheBorder() throws {
        #expect(try value([Int64].self, "return {1, 2, 3}") == [1, 2, 3])
        #expect(try value([Int64].self, "return {}") == [])
        #expect(try fault([Int64].self, "return {1, 'x', 3}") == "value[2] is string, integer expected")
        #expect(try fault([String].self, "return {'a', nil, 'c'}")?.hasSuffix("is nil, string expected") == true)
        #expect(try value([String?].self, "return {'a', nil, 'c'}") == ["a", nil, "c"])
        #expect(try fault([[Int64]].self, "return {{1}, {2, 2.5}}") == "value[2][2] is a number without an integer value, integer expected")
        #expect(try fault([Int64].self, "return 'abc'") == "value is string, table expected")
        // A mixed table is read as ipairs reads it: its sequence, the hash part not at all.
        #expect(try value([Int64].self, "return {1, 2, x = 'y', [10] = 10}") == [1, 2])
        // Raw: no metamethod runs, not even __len or __index.
        let hostile = "local boom = function() error('a metamethod ran') end " +
            "return setmetatable({1, 2}, {__len = boom, __index = boom, __pairs = boom})"
        #expect(try value([Int64].self, hostile) == [1, 2])
    }

    @Test func aCycleAndDepthAreTheWalksRules() throws {
        #expect(try fault([[Int64]].self, "local t = {}; t[1] = t; return t")?.contains("contains a cycle") == true)
        let deep = "local t = {} for _ = 1, 200 do t = {t} end return t"
        #expect(try fault(LuaValue.self, deep)?.hasSuffix("is nested too deeply") == true)
        // The same table twice side by side is no cycle.
        #expect(try value([[Int64]].self, "local s = {1}; return {s, s}") == [[1], [1]])
    }

    @Test func aHugeSequenceIsCountedAgainstTheBudget() throws {
        let big = "local t = {} for i = 1, 300000 do t[i] = i end return t"
        #expect(try value([Int64].self, big)?.count == 300_000)
        lua.setMemoryLimit(bytes: 16 << 20)
        defer { lua.setMemoryLimit(bytes: nil) }
        #expect(try fault([Int64].self, big)?.contains("holds too many values") == true)
        // A string reached again and again counts its bytes each time.
        let shared = "local s = string.rep('x', 1 << 20) local t = {} for i = 1, 64 do t[i] = s end return t"
        #expect(try fault([String].self, shared)?.contains("holds too many values") == true)
    }

    @Test func recordsReadFieldsByName() throws {
        struct Point: LuaRead, Equatable {
            var x: Int64, y: Int64, label: String?
            static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Point {
                Point(x: try walk.field("x", of: index), y: try walk.field("y", of: index), label: try walk.field("label", of: index))
            }
        }
        #expect(try value(Point.self, "return {x = 1, y = 2.0}") == Point(x: 1, y: 2, label: nil))
        #expect(try fault([Point].self, "return {{x = 1, y = 2}, {x = 1}}") == "value[2].y is nil, integer expected")
        #expect(try value([String: Int64].self, "return {a = 1, b = 2}") == ["a": 1, "b": 2])
        #expect(try fault([String: Int64].self, "return {a = 1, [2] = 2}")?.hasSuffix("is number, string expected") == true)
    }

    // MARK: pushing

    /// A `LuaValue` nested `depth` tables deep.
    static func nested(_ depth: Int) -> LuaValue {
        var v = LuaValue.integer(1)
        for _ in 0..<depth { v = .sequence([v]) }
        return v
    }

    @Test func pushingStopsAtTheDepthRuleWithAnErrorNotAStackOverflow() throws {
        let top = s.top
        try s.push(Self.nested(LuaNesting.maxDepth))
        #expect(try s.value(at: -1) == Self.nested(LuaNesting.maxDepth), "as deep as the rule allows goes both ways")
        s.pop()
        for depth in [LuaNesting.maxDepth + 1, 3_000] {  // deeper would strain Swift's own recursive teardown
            #expect(throws: LuaError.self) { try s.push(Self.nested(depth)) }
            #expect(s.top == top, "a refused push leaves nothing behind")
        }
        do {
            try s.push(Self.nested(1000))
        } catch {
            #expect(error.message == "value is nested deeper than \(LuaNesting.maxDepth) tables, more than Lua is handed")
        }
    }

    @Test func pushedNumbersKeepTheirKind() throws {
        try s.push([LuaValue.number(2.0), .integer(2), .number(-0.0), .number(.nan), .number(-.infinity), .integer(.min)])
        defer { s.pop() }
        guard case .table(let t) = try s.value(at: -1) else { Issue.record("not a table"); return }
        #expect(t[.integer(1)] == .number(2.0), "an integer-valued float stays a float")
        #expect(t[.integer(2)] == .integer(2))
        #expect(t[.integer(3)] == .number(-0.0))
        if case .number(let d)? = t[.integer(4)] { #expect(d.isNaN) } else { Issue.record("NaN lost") }
        #expect(t[.integer(5)] == .number(-.infinity))
        #expect(t[.integer(6)] == .integer(.min))
        // A NaN key cannot be set in Lua: it is left out, the rest goes.
        try s.push(LuaValue.table(LuaTable([.number(.nan): .integer(1), .string("k"): .integer(2)])))
        #expect(try s.value(at: -1) == .table(LuaTable([.string("k"): .integer(2)])))
        s.pop()
    }

    @Test func aHugeSequenceAndByteStringsPush() throws {
        let many = [Int64](0..<(1 << 20))
        try s.push(many)
        #expect(s.rawLength(-1) == 1 << 20)
        s.pop()
        try s.push(LuaValue.string([0, 255, 0, 128]))
        #expect(s.bytes(at: -1) == [0, 255, 0, 128])
        s.pop()
        try s.push(Optional<String>.none)
        #expect(s.type(at: -1) == .nil)
        s.pop()
    }
}
