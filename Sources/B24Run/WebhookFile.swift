import B24
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `--webhook-file FILE` / `B24_WEBHOOK_FILE`: the webhook URL kept in a file, so it is never
/// on a command line (`ps`) or in the environment of every child. Like ssh with a private key,
/// the file must not be open to group or others; its content is registered as a secret before
/// anything can print it, and it is never quoted in an error.
public enum WebhookFile {
    /// More than any webhook URL; a bigger file is not one.
    public static let maxBytes = 4096

    public static func read(_ path: String) throws(B24Error) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .configError("cannot open webhook file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .configError("cannot stat webhook file \(path): \(String(cString: strerror(errno)))") }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFIFO else {
            throw .configError("webhook file \(path) is not a regular file")
        }
        try requirePrivate(st, path, what: "webhook file", holding: "a secret")
        guard let bytes = FileDescriptors.readToEnd(fd, limit: maxBytes) else {
            throw .configError("cannot read webhook file \(path): \(String(cString: strerror(errno)))")
        }
        guard bytes.count <= maxBytes else { throw .configError("webhook file \(path) is too long to hold a webhook URL") }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        Redaction.register(text)
        guard !text.isEmpty else { throw .configError("webhook file \(path) is empty") }
        guard !text.contains(where: \.isNewline) else {
            throw .configError("webhook file \(path) holds more than one line; it must hold only the webhook URL")
        }
        return text
    }

    /// CONFIG_ERROR when the file at `path` is open to group or others: it holds a secret.
    public static func requirePrivate(_ path: String, what: String, holding: String) throws(B24Error) {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .configError("cannot stat \(what) \(path): \(String(cString: strerror(errno)))") }
        try requirePrivate(st, path, what: what, holding: holding)
    }

    /// The one wording of the refusal, with its `chmod 600` hint.
    static func requirePrivate(_ st: stat, _ path: String, what: String, holding: String) throws(B24Error) {
        let permissions = st.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw .configError("\(what) \(path) is open to group or others (mode \(String(permissions, radix: 8))); "
                               + "it holds \(holding): chmod 600 \(path)")
        }
    }
}
