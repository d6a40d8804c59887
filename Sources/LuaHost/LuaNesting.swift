/// The one set of rules for entering nested Lua tables, kept by the one walk of a value
/// (`LuaWalk`, which copying a value out, the `b24` module's JSON conversion and the REPL's
/// inspection are built on). A walk may go `maxDepth` tables deep; a table met again on the path
/// from the root is a cycle (the same table twice side by side is not). Depth is bounded because
/// each level is a Swift frame and a few Lua stack slots: a 300-deep table from a hostile script
/// must be refused, not overflow the thread's stack (docs/lua-host.md, "One walk of a value").
/// A walk also counts the values it visits: a table reached twice is walked twice, so a small
/// table DAG (`t = {t, t}` nested) would otherwise expand to millions of values in Swift
/// memory, outside --max-memory; past its budget of values it enters no more tables.
public struct LuaNesting: Sendable {
    /// How deep any conversion follows tables, in both directions: a Lua value read out
    /// (`LuaWalk`) and a value pushed into Lua (`LuaPushWalk`: a JSON answer)
    /// go at most this many tables deep. Far beyond what a REST parameter or result holds, far
    /// below what the Swift and Lua stacks take; the same as how deep the portal reads
    /// parameters, so what Lua is given it can send back. How the depth limits relate is written
    /// once, at `JSONNesting` (B24).
    public static let maxDepth = 64

    /// Why a table was not entered: a reason handed to the walk's visitor, which decides what
    /// it makes of it (a conversion throws `fault(in:)` as `LuaError.value`, display elides).
    public enum Refusal: Sendable, Equatable {
        case tooDeep
        case cycle
        /// Lua could not grow the stack for the table's traversal (memory).
        case stackExhausted
        /// The walk has visited more values than its budget allows (`valueBudget`).
        case tooManyValues

        /// The refusal as a conversion's error, in `stack`'s state (its budget of values).
        public func fault(in stack: LuaStack) -> LuaValueFault {
            switch self {
            case .tooDeep: LuaValueFault("is nested too deeply")
            case .cycle: LuaValueFault("contains a cycle")
            case .stackExhausted: LuaValueFault(": Lua stack exhausted")
            case .tooManyValues:
                LuaValueFault("holds too many values: more than \(stack.valueBudget) in all, counting a table or string " +
                              "each time it is reached (the bound follows --max-memory)")
            }
        }
    }

    /// The most values one walk visits when the state has no memory limit.
    public static let maxValues = 1 << 20
    /// What one converted value may cost in Swift memory (a JSON value, its place in an array
    /// or object, its share of the request's text): a state limited to M bytes gets M / this
    /// many values per walk, so a conversion stays within a small multiple of the limit.
    public static let bytesPerValue = 128

    /// The values one walk may visit in a state whose memory limit is `memoryLimit` bytes (0: none).
    public static func valueBudget(memoryLimit: Int) -> Int {
        memoryLimit > 0 ? min(maxValues, memoryLimit / bytesPerValue) : maxValues
    }

    /// Stack slots a walker may use inside one table: the traversal's key and value, and what
    /// it pushes to look at them (a metatable and a field of it).
    public static let slotsPerTable: Int32 = 6

    public let maxDepth: Int
    /// Identities of the tables on the path from the root, outermost first. At most `maxDepth`
    /// long, so a cycle is looked for by comparing: cheaper than keeping a set beside it.
    private var path: [UInt] = []
    /// Values the walk may still visit; below zero, no table is entered any more.
    public var remainingValues: Int

    /// A walk that stops at `maxDepth` tables, never deeper than `LuaNesting.maxDepth`, and
    /// enters no table after visiting `budget` values.
    public init(maxDepth: Int = LuaNesting.maxDepth, budget: Int = LuaNesting.maxValues) {
        self.maxDepth = max(0, min(maxDepth, Self.maxDepth))
        remainingValues = budget
    }

    /// Counts a string of `count` bytes: one value per `bytesPerValue` bytes, beyond the one
    /// value `visit` counts. A string, like a table, is shared in Lua and copied each time it is
    /// reached (`{s, s, s}` holds `s` once): false when the walk is past its budget, and the
    /// string is then not read.
    @inlinable
    public mutating func spend(bytes count: Int) -> Bool {
        remainingValues &-= count / Self.bytesPerValue
        return remainingValues >= 0
    }

    /// How many tables are being walked (0 at the root value).
    public var depth: Int { path.count }

    /// Enters the table at `index` of `stack`; a refusal leaves the walk as it was. Every
    /// successful `enter` is paired with one `leave`.
    public mutating func enter(_ stack: LuaStack, tableAt index: Int32) -> Refusal? {
        let identity = stack.identity(at: index)
        if path.contains(identity) { return .cycle }
        if remainingValues < 0 { return .tooManyValues }
        if path.count >= maxDepth { return .tooDeep }
        if !stack.reserve(Self.slotsPerTable) { return .stackExhausted }
        path.append(identity)
        return nil
    }

    /// Leaves the innermost table entered.
    public mutating func leave() {
        _ = path.popLast()
    }
}
