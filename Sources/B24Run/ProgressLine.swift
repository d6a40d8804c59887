import B24
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A progress bar on stderr for work the Swift side does (`b24lua snapshot`), drawn like the
/// prelude's `b24.each` bar: `label [####....] done/total  rate/s  ETA`, redrawn at most ten
/// times a second, erased when the work ends. Only on a terminal, and not with `--quiet`.
public final class ProgressLine: Sendable {
    struct State {
        var label = ""
        var total = 0
        var done = 0
        var started = 0.0
        var startDone = 0
        var drawn = 0.0
    }

    let state = Mutex(State())

    public init() {}

    /// A bar when stderr is a terminal and `quiet` is off; nil otherwise.
    public static func onTerminal(quiet: Bool) -> ProgressLine? {
        !quiet && isatty(STDERR_FILENO) != 0 ? ProgressLine() : nil
    }

    public func begin(_ label: String, total: Int, done: Int) {
        state.withLock { $0 = State(label: label, total: total, done: done, started: Self.now(), startDone: done) }
        draw(force: true)
    }

    public func step(_ n: Int = 1) {
        state.withLock { $0.done += n }
        draw(force: false)
    }

    public func end() {
        StandardError.write("\r\u{1B}[K")
    }

    func draw(force: Bool) {
        let line: String? = state.withLock { s in
            let now = Self.now()
            guard force || now - s.drawn >= 0.1 || s.done == s.total else { return nil }
            s.drawn = now
            let elapsed = now - s.started
            let rate = elapsed > 0 ? Double(s.done - s.startDone) / elapsed : 0
            let width = 24
            let filled = s.total > 0 ? min(width, width * s.done / s.total) : 0
            let eta = rate > 0 ? Double(s.total - s.done) / rate : 0
            return "\(s.label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + "] \(s.done)/\(s.total)  " + Self.tenths(rate) + "/s  ETA \(Int(eta.rounded()))s"
        }
        if let line { StandardError.write("\r\(line)\u{1B}[K") }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// `12.3`: a rate with one decimal, as `%.1f` wrote it.
    static func tenths(_ value: Double) -> String {
        guard value.isFinite, value >= 0, value < 1e15 else { return "0.0" }
        let t = Int((value * 10).rounded())
        return "\(t / 10).\(t % 10)"
    }
}
