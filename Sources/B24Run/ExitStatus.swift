/// The process exit statuses (README "Exit statuses").
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case scriptError = 1
    case usage = 2
    case itemsFailed = 3
    /// `b24.confirm` had no terminal to ask and no `--yes`: it answered no, and a cron job
    /// that therefore changed nothing must not look successful.
    case confirmUnanswered = 4
    case timedOut = 124      // as timeout(1)
    case interrupted = 130
}

extension ExitStatus {
    /// What the status tells, for the man page.
    public var meaning: String {
        switch self {
        case .success: "success"
        case .scriptError: "the script raised an error (message and traceback on stderr)"
        case .usage: "usage or configuration error"
        case .itemsFailed: "a b24.each run finished with failed items (and the script did not exit by itself)"
        case .confirmUnanswered: "b24.confirm had no terminal to ask and no --yes, so nothing was changed (for cron: not a success)"
        case .timedOut: "--timeout passed"
        case .interrupted: "interrupted (Ctrl-C)"
        }
    }
}
