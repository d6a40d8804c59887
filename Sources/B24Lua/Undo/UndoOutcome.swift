import B24

/// What happened to one journaled write (docs/journal.md, "Undo"), and its report line.
public enum UndoOutcome: Sendable {
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

    public func line(_ step: UndoStep, position: String) -> String {
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
