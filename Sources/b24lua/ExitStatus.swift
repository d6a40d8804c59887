/// Exit statuses of SPEC.md §2.
enum ExitStatus: Int32 {
    case success = 0
    case scriptError = 1
    case usage = 2
    case itemsFailed = 3
    case timedOut = 124      // as timeout(1)
    case interrupted = 130
}
