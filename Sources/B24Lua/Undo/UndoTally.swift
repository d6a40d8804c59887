import B24

/// The counts of an undo's outcomes, and its summary line.
public struct UndoTally: Sendable {
    public var undone = 0, wouldUndo = 0, alreadyUndone = 0, skipped = 0, failed = 0, unverified = 0
    /// The methods with no known inverse, in the order met.
    public var cannotUndo: [String] = []
    public var cannotUndoCount = 0

    public init() {}

    public mutating func count(_ outcome: UndoOutcome, method: String) {
        switch outcome {
        case .undone: undone += 1
        case .wouldUndo: wouldUndo += 1
        case .alreadyUndone: alreadyUndone += 1
        case .skipped: skipped += 1
        case .failed: failed += 1
        case .unverified: unverified += 1
        case .cannotUndo:
            cannotUndoCount += 1
            if !cannotUndo.contains(method) { cannotUndo.append(method) }
        }
    }

    public var succeeded: Bool { failed == 0 && unverified == 0 && cannotUndo.isEmpty }

    public func summary(dryRun: Bool) -> String {
        if dryRun {
            return "undo (dry run): \(wouldUndo) to undo, \(skipped) skipped, \(cannotUndoCount) cannot be undone; nothing sent"
        }
        return "undo: \(undone) undone, \(alreadyUndone) already undone, \(skipped) skipped, \(failed) failed, "
            + (unverified > 0 ? "\(unverified) not verified, " : "")
            + "\(cannotUndoCount) cannot be undone"
    }
}
