import B24Fuzzing
import B24Lua
import Foundation
import Testing

/// The Lua↔JSON fuzz target's kept crashes and seeds, replayed through its entry point.
@Suite struct LuaJSONFuzzRegressionTests {
    @Test func replay() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let dirs = ["B24SandboxTests/FuzzRegressions/FuzzLuaJSON", "../Fuzz/Corpus/FuzzLuaJSON"]
        var count = 0
        for dir in dirs {
            let folder = root.appendingPathComponent(dir)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            where !name.hasPrefix(".") {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
                _LuaJSONFuzzing.roundTrip([UInt8](data))
                count += 1
            }
        }
        #expect(count > 0)
    }
}
