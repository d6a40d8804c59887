import CLuaSupport

/// The one walk of a Lua value (docs/lua-host.md, "One walk of a value"). Copying a value out
/// (`LuaStack.value(at:)`), the `b24` module's JSON conversion and the REPL's inspection are
/// visitors of it: the walk reads the value's type once, hands scalars to the visitor, and
/// enters a table only as `LuaNesting` allows, so depth, cycles and stack room are checked in
/// one place for all three. Reading is raw; what a visitor runs on a table is its own choice
/// (inspection calls `__tostring` under pcall, the others run nothing).
///
/// The walk is `@inlinable` so that a visitor in another module gets it specialised: no
/// existential boxes or witness-table calls per value on the hot path (every `b24` call's
/// parameters go through it).
public protocol LuaValueVisitor {
    associatedtype Output
    associatedtype Failure: Error

    mutating func visitNil() throws(Failure) -> Output
    mutating func visitBoolean(_ value: Bool) throws(Failure) -> Output
    mutating func visitInteger(_ value: Int64) throws(Failure) -> Output
    mutating func visitNumber(_ value: Double) throws(Failure) -> Output
    /// A string's bytes in place (valid only during the call): the walk has counted them
    /// against its budget, and only the visitor allocates.
    mutating func visitString(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> Output
    /// A function, userdata, light userdata or thread.
    mutating func visitOther(_ type: LuaType, at index: Int32, in stack: LuaStack) throws(Failure) -> Output
    /// Asked before a table is entered: a non-nil answer stands for the whole table, which is then
    /// not entered (inspection shows an object with `__tostring` by its one-line form). The
    /// default answers nil.
    mutating func substitute(forTableAt index: Int32, in stack: LuaStack) throws(Failure) -> Output?
    /// A table the walk has entered (within the depth rule, not on the path from the root, with
    /// stack room for a traversal): the visitor reads its entries with `walk.forEachEntry` and
    /// converts each key or value it wants with `walk.visit`.
    mutating func visitTable(at index: Int32, walk: inout LuaWalk) throws(Failure) -> Output
    /// A table the nesting rule refused, or a string past the budget (`tooManyValues`): an
    /// error for a conversion, a placeholder for display.
    mutating func refused(_ refusal: LuaNesting.Refusal, tableAt index: Int32, in stack: LuaStack) throws(Failure) -> Output
}

extension LuaValueVisitor {
    @inlinable
    public mutating func substitute(forTableAt index: Int32, in stack: LuaStack) throws(Failure) -> Output? { nil }
}

/// One walk in progress: the stack it reads and the tables on the path from the root.
public struct LuaWalk {
    public let stack: LuaStack
    @usableFromInline var nesting: LuaNesting

    /// A walk of values on `stack` that goes at most `maxDepth` tables deep (never deeper than
    /// `LuaNesting.maxDepth`) and visits about `budget` values at most (`LuaNesting`).
    @inlinable
    public init(_ stack: LuaStack, maxDepth: Int = LuaNesting.maxDepth, budget: Int) {
        self.stack = stack
        nesting = LuaNesting(maxDepth: maxDepth, budget: budget)
    }

    /// How many tables deep the walk is (0 at the root value).
    @inlinable public var depth: Int { nesting.depth }

    /// Values the walk may still visit (below zero once past its budget).
    @inlinable public var remainingValues: Int { nesting.remainingValues }

    /// Visits the value at `i`, an absolute index (`LuaStack.walk` makes the root's absolute;
    /// `forEachEntry` hands absolute ones).
    @inlinable
    public mutating func visit<V: LuaValueVisitor>(at i: Int32, _ visitor: inout V) throws(V.Failure) -> V.Output {
        let s = stack
        nesting.remainingValues &-= 1
        switch s.type(at: i) {
        case .nil, .none: return try visitor.visitNil()
        case .boolean: return try visitor.visitBoolean(s.bool(at: i))
        case .number:
            if s.isInteger(at: i), let n = s.integer(at: i) { return try visitor.visitInteger(n) }
            return try visitor.visitNumber(s.number(at: i) ?? 0)
        case .string:
            // A string is shared in Lua and copied where it is reached, as a table is walked
            // again: its bytes count too (docs/lua-host.md, "One walk of a value").
            // One `lua_tolstring` gives both the length the budget counts and the bytes.
            let bytes = s.stringBytes(at: i)
            guard nesting.spend(bytes: bytes.count) else { return try visitor.refused(.tooManyValues, tableAt: i, in: s) }
            return try visitor.visitString(bytes)
        case .table:
            if let stand = try visitor.substitute(forTableAt: i, in: s) { return stand }
            if let refusal = nesting.enter(s, tableAt: i) { return try visitor.refused(refusal, tableAt: i, in: s) }
            defer { nesting.leave() }
            return try visitor.visitTable(at: i, walk: &self)
        case let other: return try visitor.visitOther(other, at: i, in: s)
        }
    }

    /// Counts a string of `count` bytes the visitor reads itself (a key it converts without
    /// `visit`) against the budget, as `visit` counts a string value: false when past it.
    @inlinable
    public mutating func spend(bytes count: Int) -> Bool { nesting.spend(bytes: count) }

    /// The bytes of the string at `i` (nil for anything else), counted as `visit` counts a
    /// string: a typed reader (`LuaRead`) reads strings through this. Valid while the string
    /// stays on the stack.
    @inlinable
    public mutating func string(at i: Int32) throws(LuaError) -> UnsafeBufferPointer<UInt8>? {
        guard stack.type(at: i) == .string else { return nil }
        nesting.remainingValues &-= 1
        let bytes = stack.stringBytes(at: i)
        guard nesting.spend(bytes: bytes.count) else { throw .value(LuaNesting.Refusal.tooManyValues.fault(in: stack)) }
        return bytes
    }

    /// Counts one value a typed reader takes (an element of a sequence, an entry of a map),
    /// as `visit` counts each value it visits; throws past the budget.
    @inlinable
    public mutating func count() throws(LuaError) {
        nesting.remainingValues &-= 1
        if nesting.remainingValues < 0 { throw .value(LuaNesting.Refusal.tooManyValues.fault(in: stack)) }
    }

    /// Enters the table at `i` for a typed reader, within the nesting rule (depth, cycles,
    /// budget, stack room), counting it as one value; throws the refusal. Pair with `leave()`.
    @inlinable
    public mutating func enter(tableAt i: Int32) throws(LuaError) {
        nesting.remainingValues &-= 1
        if let refusal = nesting.enter(stack, tableAt: i) { throw .value(refusal.fault(in: stack)) }
    }

    /// Leaves the table entered last.
    @inlinable
    public mutating func leave() { nesting.leave() }

    /// The raw entries of the table at `index` (`lua_next` order; see `LuaStack.forEachEntry`),
    /// with the walk handed on so that the body can visit keys and values within the same rules.
    @inlinable
    public mutating func forEachEntry<E: Error>(inTableAt index: Int32,
                                                _ body: (inout LuaWalk, _ key: Int32, _ value: Int32) throws(E) -> Bool) throws(E) {
        let s = stack
        try s.forEachEntry(inTableAt: index) { (k, v) throws(E) -> Bool in try body(&self, k, v) }
    }
}

extension LuaStack {
    /// Walks the value at `index` with `visitor`, at most `maxDepth` tables deep, within the
    /// state's budget of values (`valueBudget`).
    @inlinable
    public func walk<V: LuaValueVisitor>(at index: Int32, maxDepth: Int = LuaNesting.maxDepth,
                                         _ visitor: inout V) throws(V.Failure) -> V.Output {
        var budget = valueBudget
        return try walk(at: index, maxDepth: maxDepth, budget: &budget, &visitor)
    }

    /// The same, spending `budget`: several walks for one call (its parameters one by one)
    /// share one budget.
    @inlinable
    public func walk<V: LuaValueVisitor>(at index: Int32, maxDepth: Int = LuaNesting.maxDepth, budget: inout Int,
                                         _ visitor: inout V) throws(V.Failure) -> V.Output {
        var walk = LuaWalk(self, maxDepth: maxDepth, budget: budget)
        defer { budget = walk.remainingValues }
        return try walk.visit(at: absolute(index), &visitor)
    }

    /// The values one walk may visit in this state: bounded by its memory limit (--max-memory)
    /// or, without one, by `LuaNesting.maxValues`.
    public var valueBudget: Int { LuaNesting.valueBudget(memoryLimit: Int(b24lua_memory_limit(L))) }
}
