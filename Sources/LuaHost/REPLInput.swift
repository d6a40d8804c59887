/// The REPL's input buffer as a value: lua.c's reading algorithm (`addreturn`, `multiline`,
/// `incomplete`) with the compiler and the terminal left outside. The driver feeds it events
/// (a line read, the outcome of compiling what it asked for, Ctrl-C, end of input) and does
/// the action each event returns.
public struct REPLInput: Sendable, Equatable {
    public enum Prompt: Sendable, Equatable {
        case primary       // "b24> "
        case continuation  // "b24>> "
    }

    /// What compiling the requested source gave.
    public enum CompileOutcome: Sendable, Equatable {
        case compiled
        /// A syntax error ending in "<eof>": the chunk is not finished yet.
        case incomplete
        case failed
    }

    public enum Action: Sendable, Equatable {
        /// Read another line with this prompt.
        case read(Prompt)
        /// Compile `source`, then report the outcome with `compiled(_:)`.
        case compile(String)
        /// The chunk just compiled is final: run it, and keep `history` as one history entry.
        case run(history: String)
        /// The compile error just seen is final: show it, keep `history`.
        case reportError(history: String)
        /// A REPL command line (":help chat_get" → name "help", argument "chat_get").
        case command(name: String, argument: String, history: String)
        case quit
    }

    enum State: Sendable, Equatable {
        case idle
        /// Compiling `return <line>;` (lua.c's `addreturn`).
        case expression(String)
        /// Compiling the lines as statements (lua.c's `multiline`).
        case statements([String])
        /// Waiting for one more line of an unfinished chunk.
        case continuing([String])
    }

    private(set) var state: State = .idle

    public init() {}

    /// The prompt the next line should be read with.
    public var prompt: Prompt {
        if case .continuing = state { return .continuation }
        return .primary
    }

    /// True while lines of an unfinished chunk are held.
    public var isContinuing: Bool { prompt == .continuation }

    /// The lines held so far (the unfinished chunk), oldest first.
    public var pendingLines: [String] {
        switch state {
        case .idle: []
        case .expression(let line): [line]
        case .statements(let lines), .continuing(let lines): lines
        }
    }

    public mutating func line(_ text: String) -> Action {
        switch state {
        case .idle:
            if let command = Self.command(in: text) { return command }
            if text.allSatisfy(\.isWhitespace) { return .read(.primary) }
            state = .expression(text)
            return .compile("return " + text + ";")
        case .continuing(let lines):
            let all = lines + [text]
            state = .statements(all)
            return .compile(all.joined(separator: "\n"))
        case .expression, .statements:
            // A line while a compile is outstanding is a driver bug; keep lua.c's order anyway.
            return .read(prompt)
        }
    }

    public mutating func compiled(_ outcome: CompileOutcome) -> Action {
        switch state {
        case .expression(let line):
            if outcome == .compiled {
                state = .idle
                return .run(history: line)
            }
            // Not an expression: compile the line as it was typed, as lua.c does.
            state = .statements([line])
            return .compile(line)
        case .statements(let lines):
            switch outcome {
            case .compiled:
                state = .idle
                return .run(history: lines.joined(separator: "\n"))
            case .incomplete:
                state = .continuing(lines)
                return .read(.continuation)
            case .failed:
                state = .idle
                return .reportError(history: lines.joined(separator: "\n"))
            }
        case .idle, .continuing:
            return .read(prompt)
        }
    }

    /// Ctrl-C at a prompt: the unfinished chunk is dropped, the session goes on.
    public mutating func interrupt() -> Action {
        state = .idle
        return .read(.primary)
    }

    /// Ctrl-D, or the end of piped input.
    public mutating func endOfInput() -> Action {
        state = .idle
        return .quit
    }

    /// ":name argument" at the start of a chunk. "::label::" is Lua (a goto label), not a command.
    static func command(in text: String) -> Action? {
        let trimmed = text.drop(while: \.isWhitespace)
        guard trimmed.hasPrefix(":"), !trimmed.hasPrefix("::") else { return nil }
        let body = trimmed.dropFirst()
        let name = body.prefix(while: { !$0.isWhitespace })
        let argument = body.dropFirst(name.count).trimmingWhitespace()
        return .command(name: String(name), argument: argument, history: String(trimmed).trimmingWhitespace())
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
