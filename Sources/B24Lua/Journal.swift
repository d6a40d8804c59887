import B24
import B24Wire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// `--journal FILE`: every write, as JSON Lines, appended and flushed to disk before it is sent
/// ("intent") and after its outcome is known ("outcome"), so that a crash between the two
/// leaves a record that `b24lua undo` treats as "outcome unknown" (docs/journal.md). Secrets
/// never enter it: the method name, parameters, result and error text each go through the one
/// redaction (`Redaction`): a script may pass a token or a webhook URL, even in a method name.
///
/// A journal may hold several runs (it is appended to); `run` tells them apart, and every line
/// names the portal it was sent to (`PortalConnection.identity`), so undo can keep to one.
/// Lines: {"v":2,"run":ID,"seq":N,"at":"ISO-8601","phase":"intent","portal":P,"method":M,"params":{…}}
///        {"v":2,"run":ID,"seq":N,"at":…,"phase":"outcome","portal":P,"method":M,"ok":true,"result":R[,"confirmed_on_retry":true]}
///        {"v":2,"run":ID,"seq":N,"at":…,"phase":"outcome","portal":P,"method":M,"ok":false,"outcome_unknown":B,
///         "error":{"code":…,"description":…,"status":…,"kind":…}}
public final class Journal: @unchecked Sendable {
    public static let version: Int64 = 2
    public let path: String
    /// The portal every line names.
    public let portal: String
    /// This run's id in the file.
    public let run = String(UUID().uuidString.prefix(8)).lowercased()
    /// The file held lines already when this run opened it (other runs, perhaps).
    public let heldEarlierLines: Bool
    private let lock = NIOLock()
    private var fd: Int32
    private var seq = 0
    /// UTC with milliseconds: `2026-05-04T10:20:30.123Z`.
    private let clock = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public init(path: String, portal: String) throws(B24Error) {
        self.path = path
        self.portal = portal
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .configError("cannot open journal \(path): \(String(cString: strerror(errno)))")
        }
        let tail = Self.lastByte(path)
        heldEarlierLines = tail != nil
        // A run cut off while appending left a line without its newline: end it, so this run's
        // first line starts a line of its own instead of being glued to the torn one.
        if let tail, tail != 0x0A, let failure = Self.write(fd, [0x0A]) {
            close(fd)
            throw .configError("cannot append to journal \(path): \(failure)")
        }
    }

    deinit { close(fd) }

    /// The file's last byte; nil when it is empty or unreadable.
    private static func lastByte(_ path: String) -> UInt8? {
        let r = open(path, O_RDONLY | O_CLOEXEC)
        guard r >= 0 else { return nil }
        defer { close(r) }
        let end = lseek(r, 0, SEEK_END)
        guard end > 0 else { return nil }
        var byte: UInt8 = 0
        return pread(r, &byte, 1, end - 1) == 1 ? byte : nil
    }

    /// Records a write about to be sent; returns its sequence number for `outcome`. When the
    /// line is not on disk (a full disk, an I/O error) the write must not be sent: the error is
    /// `JOURNAL_ERROR`.
    public func intent(method: String, params: JSONValue) throws(B24Error) -> Int {
        lock.lock(); defer { lock.unlock() }
        seq += 1
        let failure = append(["v": .int(Self.version), "run": .string(run), "seq": .int(Int64(seq)), "at": .string(clock.format(Date())),
                              "phase": "intent", "portal": .string(portal), "method": .string(Redaction.redact(method)),
                              "params": Redaction.redact(json: params)])
        if let failure {
            throw B24Error(code: "JOURNAL_ERROR", message: "cannot journal the write, so it was not sent: \(path): \(failure)",
                           method: method, kind: .state, retryable: false, requestMayHaveArrived: false)
        }
        return seq
    }

    public func outcome(_ seq: Int, method: String, result: Result<JSONValue, B24Error>, confirmedOnRetry: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        var line: JSONObject = ["v": .int(Self.version), "run": .string(run), "seq": .int(Int64(seq)), "at": .string(clock.format(Date())),
                                "phase": "outcome", "portal": .string(portal), "method": .string(Redaction.redact(method))]
        switch result {
        case .success(let value):
            line["ok"] = true
            line["result"] = Redaction.redact(json: value)
            if confirmedOnRetry { line["confirmed_on_retry"] = true }
        case .failure(let e):
            line["ok"] = false
            line["outcome_unknown"] = .bool(e.outcomeUnknown)
            var err: JSONObject = ["code": .string(Redaction.redact(e.code)), "description": .string(Redaction.redact(e.message)),
                                   "kind": .string(e.kind.rawValue)]
            if let s = e.status { err["status"] = .int(Int64(s)) }
            line["error"] = .object(err)
        }
        // The write was sent: it cannot be taken back. Its intent line stays, so undo treats it
        // as "outcome unknown"; say so once.
        if let failure = append(line), !outcomeFailureReported {
            outcomeFailureReported = true
            StandardError.write("b24lua: cannot journal an outcome (\(path): \(failure)); undo will treat it as unknown\n")
        }
    }

    private var outcomeFailureReported = false

    /// Appends one line and forces it to disk; nil on success, else what failed.
    private func append(_ line: JSONObject) -> String? {
        var bytes = JSONValue.object(line).serializedBytes()
        bytes.append(0x0A)
        return Self.write(fd, bytes)
    }

    /// One `write` (repeated only for what a short write left), then `fsync`.
    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n < 0 ? String(cString: strerror(errno)) : "nothing written" }
            written += n
        }
        if fsync(fd) != 0 && errno != EINVAL { return String(cString: strerror(errno)) }
        return nil
    }
}
