import B24
import B24Wire
import LuaHost
import Testing

/// The depth limits have one home each, and their relation is written once (`JSONNesting`):
/// these pin the relation where the compiler cannot (LuaHost sits below B24).
@Suite struct NestingFactsTests {
    @Test func theLuaWalkGoesAsDeepAsThePortalReads() {
        #expect(LuaNesting.maxDepth == JSONNesting.portalInput)
        #expect(JSONNesting.portalInput < JSONNesting.answer && JSONNesting.answer < JSONNesting.document)
    }

    /// The reader's default is `JSONNesting.document`, to the level.
    @Test func theReadersDefaultIsTheDocumentLimit() {
        func nested(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        #expect((try? JSONValue.parse(nested(JSONNesting.document))) != nil)
        #expect((try? JSONValue.parse(nested(JSONNesting.document + 1))) == nil)
    }
}
