import Glibc

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
        let answer = String(cString: buffer).trimmingCharacters(in: " \n\r\t").lowercased()
        return answer == "y" || answer == "yes"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
