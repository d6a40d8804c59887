import CLibEdit
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// libedit's readline for the REPL, with Ctrl-C as "drop this line".
///
/// Ctrl-C design: no `siglongjmp`. The host's SIGINT handler (`LuaInterrupt`, installed without
/// SA_RESTART) only sets a flag and arms the Lua hook, so a key read blocked in `read(2)`
/// returns EINTR. Our `rl_getc_function` turns that into a ^C key, and ^C is bound to a
/// command that ends `readline()`; the caller then sees `.cancelled`. libedit's own signal
/// handling is off (`rl_catch_signals = 0`): it would re-raise SIGINT to the process group and
/// end `readline()` as if Ctrl-D had been typed. When the terminal hands ^C over as a byte
/// instead of a signal, the same binding handles it. Between lines the flag and the hook are
/// cleared, so a Ctrl-C at the prompt never interrupts the next chunk.
enum LineEditor {
    enum Input: Equatable {
        case line(String)
        case cancelled
        case endOfInput
    }

    /// Completion candidates for the word before the cursor: (word, text before the cursor) →
    /// replacements of the word. Set by the session; C callbacks cannot capture context.
    nonisolated(unsafe) static var completer: ((String, String) -> [String])?
    nonisolated(unsafe) fileprivate static var cancelled = false

    private static let setUpOnce: Void = {
        b24lua_rl_setup(readKey, cancelLine, completeWord)
    }()

    /// Sets libedit up. It must come before the history is loaded: `rl_initialize` starts a
    /// fresh history list.
    static func prepare() { _ = setUpOnce }

    static func read(prompt: String) -> Input {
        prepare()
        fflush(nil)
        cancelled = false
        b24lua_rl_reset()
        let raw = readline(prompt)
        defer { free(raw) }
        if cancelled { return .cancelled }
        guard let raw else { return .endOfInput }
        return .line(String(cString: raw))
    }
}

/// Reads one key from the terminal; a SIGINT while waiting becomes the ^C key.
private func readKey(_: UnsafeMutablePointer<FILE>?) -> Int32 {
    var byte: UInt8 = 0
    while true {
        // A signal that arrived while libedit was busy (not blocked in read) is seen here.
        if LuaInterrupt.requested {
            LuaInterrupt.clear()
            return 3
        }
        let n = read(STDIN_FILENO, &byte, 1)
        if n == 1 { return Int32(byte) }
        if n == 0 { return -1 }
        if errno != EINTR { return -1 }
    }
}

/// Bound to ^C: end the edit; `LineEditor.read` reports the line as cancelled.
private func cancelLine(_: Int32, _: Int32) -> Int32 {
    LineEditor.cancelled = true
    b24lua_rl_finish()
    return 0
}

/// libedit's attempted-completion hook: element 0 is what replaces the word (the longest
/// common prefix), then the candidates, then NULL; libedit frees them all.
private func completeWord(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
{
    b24lua_rl_completion_over()
    guard let text, let completer = LineEditor.completer else { return nil }
    let line = b24lua_rl_line_buffer().map { String(cString: $0) } ?? ""
    let before = String(String.UnicodeScalarView(line.unicodeScalars.prefix(Int(end))))
    let matches = completer(String(cString: text), before)
    guard !matches.isEmpty else { return nil }

    guard let raw = malloc((matches.count + 2) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else { return nil }
    let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: matches.count + 2)
    array[0] = strdup(matches.count == 1 ? matches[0] : commonPrefix(matches))
    for (i, match) in matches.enumerated() { array[i + 1] = strdup(match) }
    array[matches.count + 1] = nil
    return array
}

private func commonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first.map({ Array($0.utf8) }) else { return "" }
    for word in words.dropFirst() {
        let bytes = Array(word.utf8)
        var n = 0
        while n < prefix.count, n < bytes.count, prefix[n] == bytes[n] { n += 1 }
        prefix = Array(prefix[..<n])
    }
    return String(decoding: prefix, as: UTF8.self)
}
