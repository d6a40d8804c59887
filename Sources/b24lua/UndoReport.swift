import B24
import B24Lua

extension UndoCommand {
    /// What happened to one journaled write.
    enum Outcome {
        case undone
        case wouldUndo
        case alreadyUndone
        case failed(B24Error)
        /// The portal refused the inverse with its ambiguous "already so, or no access", and the
        /// chat's members could not be read to tell which (why, in the text).
        case unverified(B24Error, String)
        /// The original write did nothing to undo (it failed, or returned chat 0).
        case skipped(String)
        case cannotUndo

        func line(_ step: UndoStep, position: String) -> String {
            let verb: String
            let what: String
            switch self {
            case .skipped:
                // The write that did nothing, not the inverse that is not sent.
                verb = "skip"
                what = step.inverse == nil ? step.write.method : "\(step.write.method) \(step.target)"
            case .cannotUndo:
                verb = "cannot undo"
                what = step.write.method
            case .wouldUndo:
                verb = "would undo"
                what = step.inverse.map { "\($0) \(step.target)" } ?? step.write.method
            default:
                verb = "undo"
                what = step.inverse.map { "\($0) \(step.target)" } ?? step.write.method
            }
            let result: String
            switch self {
            case .undone: result = "ok"
            case .wouldUndo: result = step.write.ok == true ? "not sent (dry run)" : "not sent (dry run; outcome was unknown)"
            case .alreadyUndone: result = "already undone"
            case .failed(let e): result = "failed: \(e.description)"
            case .unverified(let e, let why): result = "cannot verify: the portal answered \(e.code) (already undone, or no access?); \(why)"
            case .skipped(let why): result = why
            case .cannotUndo: result = "no known inverse"
            }
            return "\(verb) \(position): \(what) … \(result)"
        }
    }

    struct Tally {
        var undone = 0, wouldUndo = 0, alreadyUndone = 0, skipped = 0, failed = 0, unverified = 0
        var cannotUndo: [String] = []
        var cannotUndoCount = 0

        mutating func count(_ outcome: Outcome, method: String) {
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

        var succeeded: Bool { failed == 0 && unverified == 0 && cannotUndo.isEmpty }

        func summary(dryRun: Bool) -> String {
            if dryRun {
                return "undo (dry run): \(wouldUndo) to undo, \(skipped) skipped, \(cannotUndoCount) cannot be undone; nothing sent"
            }
            return "undo: \(undone) undone, \(alreadyUndone) already undone, \(skipped) skipped, \(failed) failed, "
                + (unverified > 0 ? "\(unverified) not verified, " : "")
                + "\(cannotUndoCount) cannot be undone"
        }
    }
}
