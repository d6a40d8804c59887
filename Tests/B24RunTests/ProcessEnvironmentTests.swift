import B24Run
import Foundation
import Testing

/// `ProcessEnvironment.current()` replaces Foundation's environment at start-up
/// (docs/performance.md): it must give the same dictionary.
@Suite struct ProcessEnvironmentTests {
    @Test func itIsFoundationsEnvironment() {
        setenv("B24LUA_ENV_TEST", "a=b=c", 1)
        setenv("B24LUA_ENV_EMPTY", "", 1)
        defer { unsetenv("B24LUA_ENV_TEST"); unsetenv("B24LUA_ENV_EMPTY") }
        let ours = ProcessEnvironment.current()
        #expect(ours == ProcessInfo.processInfo.environment)
        #expect(ours["B24LUA_ENV_TEST"] == "a=b=c")
        #expect(ours["B24LUA_ENV_EMPTY"] == "")
    }
}
