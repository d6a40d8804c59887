/// Typed conversions across the boundary (docs/lua-host.md, "Typed conversions"), as mlua's
/// `FromLua`/`IntoLua`: a type says once how it is read from a stack slot and how it is
/// pushed, and every Swift function reads its arguments and pushes its results through them.
/// Reading goes through the one walk (`LuaWalk`: raw, bounded, counted), pushing through the one
/// push walk (`LuaPushWalk`: bounded); both keep the same depth rule, `LuaNesting.maxDepth`.

/// A value read from a stack slot. A value of the wrong shape is `LuaError.value`, naming what
/// is wrong and where (`commands[3].method is nil, string expected`).
public protocol LuaRead {
    /// Reads the value at `index`, an absolute index, within `walk`'s rules: tables are entered
    /// with `walk.enter(tableAt:)`, strings read with `walk.string(at:)`.
    static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Self
}

/// A value pushed onto the stack as one Lua value.
public protocol LuaPush {
    /// Pushes exactly one value; tables are opened with `walk.openTable`, which keeps the depth
    /// rule. A throw may leave a partial value pushed: `LuaStack.push(_:)` restores the top.
    func push(_ walk: inout LuaPushWalk) throws(LuaError)
}

/// One push in progress: how many tables deep it is. A value built in Swift (a portal's answer,
/// a parsed document) may nest deeper than Lua should take; each level is a Swift frame and a
/// few stack slots, so past `maxDepth` the push throws instead of overflowing a stack.
public struct LuaPushWalk {
    public let stack: LuaStack
    public let maxDepth: Int
    @usableFromInline var openTables = 0
    /// Tables open around the value being pushed.
    @inlinable public var depth: Int { openTables }

    @inlinable
    public init(_ stack: LuaStack, maxDepth: Int = LuaNesting.maxDepth) {
        self.stack = stack
        self.maxDepth = max(0, min(maxDepth, LuaNesting.maxDepth))
    }

    /// Pushes a new table and enters it, with stack room for one entry (a key and its value)
    /// and what pushing them takes; throws past `maxDepth` tables. Pair with `closeTable()`.
    @inlinable
    public mutating func openTable(arrayCount: Int32 = 0, hashCount: Int32 = 0) throws(LuaError) {
        guard openTables < maxDepth else {
            throw .value(LuaValueFault("is nested deeper than \(maxDepth) tables, more than Lua is handed"))
        }
        guard stack.reserve(LuaNesting.slotsPerTable) else { throw .value(LuaNesting.Refusal.stackExhausted.fault(in: stack)) }
        openTables += 1
        stack.newTable(arrayCount: arrayCount, hashCount: hashCount)
    }

    /// Leaves the table opened last (it stays pushed).
    @inlinable
    public mutating func closeTable() { openTables -= 1 }

    /// Pushes `value` within this walk (an entry of the table being built).
    @inlinable
    public mutating func push<T: LuaPush>(_ value: T) throws(LuaError) { try value.push(&self) }
}

extension LuaStack {
    /// Reads the value at `index` as `T`, within the state's budget of values.
    @inlinable
    public func read<T: LuaRead>(_ type: T.Type = T.self, at index: Int32,
                                 maxDepth: Int = LuaNesting.maxDepth) throws(LuaError) -> T {
        var budget = valueBudget
        return try read(type, at: index, maxDepth: maxDepth, budget: &budget)
    }

    /// The same, spending `budget`: several reads for one call (its parameters one by one) share it.
    @inlinable
    public func read<T: LuaRead>(_ type: T.Type = T.self, at index: Int32, maxDepth: Int = LuaNesting.maxDepth,
                                 budget: inout Int) throws(LuaError) -> T {
        var walk = LuaWalk(self, maxDepth: maxDepth, budget: budget)
        defer { budget = walk.remainingValues }
        return try T.read(at: absolute(index), &walk)
    }

    /// Pushes `value` as one Lua value, at most `maxDepth` tables deep. A value that cannot be
    /// pushed throws and leaves the stack as it was.
    @inlinable
    public func push<T: LuaPush>(_ value: T, maxDepth: Int = LuaNesting.maxDepth) throws(LuaError) {
        let base = top
        var walk = LuaPushWalk(self, maxDepth: maxDepth)
        do { try value.push(&walk) } catch {
            top = base
            throw error
        }
    }
}

extension LuaWalk {
    /// Field `key` of the table at `table`, read raw as `T`; a fault names the key. The table is
    /// a record whose fields are read, not entered: it adds no level of nesting.
    @inlinable
    public mutating func field<T: LuaRead>(_ key: String, of table: Int32, as type: T.Type = T.self) throws(LuaError) -> T {
        let s = stack
        s.rawGet(table, key: key)
        defer { s.pop() }
        do throws(LuaError) { return try T.read(at: s.top, &self) } catch { throw error.inside(.name(key)) }
    }

    /// The value at `index` as `T`, with a depth count of its own but the budget shared: a value
    /// that goes out on its own, apart from what holds it (a batch command's parameters, which
    /// the portal reads as their own document).
    @inlinable
    public mutating func readApart<T: LuaRead>(_ type: T.Type = T.self, at index: Int32) throws(LuaError) -> T {
        var apart = LuaWalk(stack, budget: nesting.remainingValues)
        defer { nesting.remainingValues = apart.remainingValues }
        return try T.read(at: index, &apart)
    }
}

// MARK: primitives

extension String: LuaRead, LuaPush {
    /// A string (not a number: converting one would change its slot); invalid UTF-8 is repaired.
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> String {
        guard let bytes = try walk.string(at: index) else {
            throw .value(.expected("string", got: walk.stack.typeName(at: index)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inlinable
    public func push(_ walk: inout LuaPushWalk) { walk.stack.push(self) }
}

extension Int64: LuaRead, LuaPush {
    /// A number with an exact integer value (`3` and `3.0`, as `lua_tointegerx`).
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Int64 {
        guard let n = walk.stack.integer(at: index) else {
            let got = walk.stack.type(at: index) == .number ? "a number without an integer value" : walk.stack.typeName(at: index)
            throw .value(.expected("integer", got: got))
        }
        return n
    }

    @inlinable
    public func push(_ walk: inout LuaPushWalk) { walk.stack.push(self) }
}

extension Double: LuaRead, LuaPush {
    /// Any number (NaN and the infinities included).
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Double {
        guard let d = walk.stack.number(at: index) else { throw .value(.expected("number", got: walk.stack.typeName(at: index))) }
        return d
    }

    @inlinable
    public func push(_ walk: inout LuaPushWalk) { walk.stack.push(self) }
}

extension Bool: LuaRead, LuaPush {
    /// Lua's truth: false for nil and false, true for anything else (as `if` reads it).
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) -> Bool { walk.stack.bool(at: index) }

    @inlinable
    public func push(_ walk: inout LuaPushWalk) { walk.stack.push(self) }
}

extension Optional: LuaRead where Wrapped: LuaRead {
    /// nil (or no value) is nil; anything else must read as `Wrapped`.
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Wrapped? {
        if walk.stack.isNoneOrNil(index) { return nil }
        return try Wrapped.read(at: index, &walk)
    }
}

extension Optional: LuaPush where Wrapped: LuaPush {
    @inlinable
    public func push(_ walk: inout LuaPushWalk) throws(LuaError) {
        if let value = self { try value.push(&walk) } else { walk.stack.pushNil() }
    }
}

extension Array: LuaRead where Element: LuaRead {
    /// A sequence: a table read raw at 1, 2, ... up to its raw length (the border `#` gives).
    /// Each element must read as `Element`; a fault names its index.
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> [Element] {
        let s = walk.stack
        guard s.type(at: index) == .table else { throw .value(.expected("table", got: s.typeName(at: index))) }
        try walk.enter(tableAt: index)
        defer { walk.leave() }
        let n = s.rawLength(index)
        var out: [Element] = []
        out.reserveCapacity(Swift.min(n, 1 << 16))
        var i = 1
        while i <= n {
            s.rawGet(index, key: Int64(i))
            defer { s.pop() }
            do throws(LuaError) {
                try walk.count()
                out.append(try Element.read(at: s.top, &walk))
            } catch {
                throw error.inside(.index(Int64(i)))
            }
            i += 1
        }
        return out
    }
}

extension Array: LuaPush where Element: LuaPush {
    /// A sequence 1...n.
    @inlinable
    public func push(_ walk: inout LuaPushWalk) throws(LuaError) {
        try walk.openTable(arrayCount: Int32(Swift.min(count, 1 << 24)))
        defer { walk.closeTable() }
        for (i, e) in enumerated() {
            try e.push(&walk)
            walk.stack.rawSet(-2, key: Int64(i + 1))
        }
    }
}

extension Dictionary: LuaRead where Key: LuaRead, Value: LuaRead {
    /// A table's entries, read raw (`lua_next` order); every key and value must read as the types say.
    @inlinable
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> [Key: Value] {
        let s = walk.stack
        guard s.type(at: index) == .table else { throw .value(.expected("table", got: s.typeName(at: index))) }
        try walk.enter(tableAt: index)
        defer { walk.leave() }
        var out: [Key: Value] = [:]
        try walk.forEachEntry(inTableAt: index) { (walk, k, v) throws(LuaError) -> Bool in
            try walk.count()
            out[try Key.read(at: k, &walk)] = try Value.read(at: v, &walk)
            return true
        }
        return out
    }
}
