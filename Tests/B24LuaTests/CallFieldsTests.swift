import B24
@testable import B24Lua
import Foundation
import LuaHost
import Testing

/// `core.call_fields` (the chat functions' primitive, docs/performance.md) against `core.call`
/// with the same parameters as a table: the local checks must refuse the same values. The
/// primitive is reached the way a script with the debug library can reach it.
@Suite struct CallFieldsTests {
    let harness: InProcessModule
    init() throws { harness = try InProcessModule() }

    static let core = """
        local function upvalue(f, name)
          for i = 1, 255 do
            local n, v = debug.getupvalue(f, i)
            if n == nil then return nil end
            if n == name then return v end
          end
        end
        local core = upvalue(upvalue(b24.chat_last_id, "request_fields"), "core")
        """

    /// A parameter 64 tables deep is one level too deep inside the params object (PHP's
    /// json_decode depth, `LuaNesting.maxDepth`): b24.call refuses it before sending, and so
    /// must call_fields, whose value sits at the same depth on the wire.
    @Test func aValueTooDeepForTheParamsObjectIsRefusedBeforeSending() async throws {
        let r = try await harness.run(Self.core + """
            local deep = {} local t = deep for i = 1, 63 do t[1] = {} t = t[1] end
            local _, a = pcall(b24.call, "user.current", {a = deep})
            local _, b = pcall(core.call_fields, "user.current", "a", deep)
            return a.code, a.kind, b.code, b.kind, b.description
            """)
        #expect(r[0] == .string("INVALID_ARGUMENT"))
        #expect(r[1] == .string("usage"))
        #expect(r[2] == r[0], "call_fields: \(r[4])")
        #expect(r[3] == r[1])
        #expect(r[4].stringValue?.contains("params.a") == true && r[4].stringValue?.contains("nested too deeply") == true,
                "\(r[4])")
    }

    /// 63 tables deep fits both ways (the wire's 64 with the params object).
    @Test func aValueThatFitsIsSentBothWays() async throws {
        let r = try await harness.run(Self.core + """
            local deep = {} local t = deep for i = 1, 62 do t[1] = {} t = t[1] end
            local okA = pcall(b24.call, "user.current", {a = deep})
            local okB = pcall(core.call_fields, "user.current", "a", deep)
            return okA, okB
            """)
        #expect(r == [.boolean(true), .boolean(true)])
    }
}
