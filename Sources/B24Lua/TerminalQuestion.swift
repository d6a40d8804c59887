import B24
#if canImport(Glibc)
import Glibc
#endif

/// `b24.confirm`: asks on the controlling terminal, so a script's own stdin and stdout stay
/// untouched. Anything but y/yes is no.
enum TerminalQuestion {
    static func ask(_ question: String) -> Bool {
        guard let tty = fopen("/dev/tty", "r+") else { return false }
        defer { fclose(tty) }
        fputs("\(question) [y/N] ", tty)
        fflush(tty)
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), tty) != nil else { return false }
        let answer = String(cString: buffer).trimmingWhitespace().lowercased()
        return answer == "y" || answer == "yes"
    }
}
