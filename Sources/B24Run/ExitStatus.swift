/// The process exit statuses (README "Exit statuses").
public enum ExitStatus: Int32, Sendable {
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
