#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard error without Foundation's `FileHandle`: the executable imports only
/// FoundationEssentials, which keeps ICU out of the binary (docs/performance.md, "Size").
public enum StandardError {
    /// Writes all of `text`, retrying after a signal or a short write; a closed or full stream
    /// loses the rest, as a diagnostic nobody can read should not stop the run.
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
