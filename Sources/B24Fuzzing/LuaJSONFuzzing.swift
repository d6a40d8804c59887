import B24
import B24Wire
import B24Lua
import LuaHost

// The property the Lua↔JSON fuzz target checks (docs/sandbox-wire.md), in B24Fuzzing so the
// regression tests replay saved inputs through the same code: JSON pushed into Lua and read back
// is a fixed point after one round (nulls inside objects and key order are Lua's to drop), and
// neither direction traps on what the wire can carry.
public enum _LuaJSONFuzzing {
    public static func roundTrip(_ data: [UInt8]) {
        guard let value = try? JSONValue.parse(data, maxDepth: JSONNesting.answer) else { return }
        // A bare state per input: cheap without the standard libraries, and shared by nothing.
        guard let lua = try? LuaState(openStandardLibraries: false) else { return }
        let s = lua.main
        let top = s.top
        defer { s.top = top }
        LuaJSON.defineMarkers(s)
        // Deeper than 64 either way: refused (the one depth rule, LuaNesting.maxDepth), fine.
        guard (try? s.push(value)) != nil, let once = try? s.read(JSONValue.self, at: -1) else { return }
        guard (try? s.push(once)) != nil else {
            preconditionFailure("a value read from Lua cannot be pushed again: \(once.serialized().prefix(200))")
        }
        guard let twice = try? s.read(JSONValue.self, at: -1) else {
            preconditionFailure("a value read from Lua cannot be read again: \(once.serialized().prefix(200))")
        }
        precondition(once == twice, "Lua↔JSON is not stable:\n\(once.serialized().prefix(200))\n\(twice.serialized().prefix(200))")
    }
}
