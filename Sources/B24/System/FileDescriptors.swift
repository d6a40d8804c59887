#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole file from its descriptor, without Foundation's `FileHandle`
/// (docs/performance.md, "Size").
public enum FileDescriptors {
    /// The bytes up to the end of the file; nil when a read fails (`errno` says why). A read
    /// cut short by a signal is retried. With `limit`, reading stops once more than `limit`
    /// bytes came: a result longer than `limit` says the file is too long, without reading a
    /// FIFO or a huge file to its end.
    public static func readToEnd(_ fd: Int32, limit: Int = .max) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(64 * 1024, limit == .max ? 64 * 1024 : limit + 1))
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return bytes
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif
