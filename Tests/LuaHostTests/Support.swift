import CLua
import LuaHost

/// Counts live instances of `Tracked`, one counter per test (tests run in parallel).
final class LiveCounter: @unchecked Sendable {
    var live = 0
    var created = 0
}

final class Tracked {
    let counter: LiveCounter
    init(_ counter: LiveCounter) {
        self.counter = counter
        counter.live += 1
        counter.created += 1
    }
    deinit { counter.live -= 1 }
}

/// An error that becomes a table with a metatable, like b24's error objects.
struct ObjectError: Error, LuaPush {
    let code: String
    func push(_ walk: inout LuaPushWalk) {
        let stack = walk.stack
        stack.newTable()
        stack.push(code)
        stack.rawSet(-2, key: "code")
        stack.newTable()
        stack.push("TestError")
        stack.rawSet(-2, key: "__name")
        stack.push(function: { s in
            s.rawGet(1, key: "code")
            s.push("TestError: " + (s.string(at: -1) ?? "?"))
            return 1
        })
        stack.rawSet(-2, key: "__tostring")
        lua_setmetatable(stack.L, -2)
    }
}

extension LuaState {
    /// Runs `code` as chunk `name` and returns its results copied out.
    func run(_ code: String, name: String = "=test") throws -> [LuaValue] {
        let base = main.top
        try main.load(code, chunkName: name)
        try main.call()
        defer { main.top = base }
        return try (base + 1..<main.top + 1).map { try main.value(at: $0) }
    }
}
