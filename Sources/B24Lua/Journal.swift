import B24
import Foundation

/// `--journal FILE`: every write, as JSON Lines, appended and flushed to disk before it is sent
/// ("intent") and after its outcome is known ("outcome"), so that a crash between the two
/// leaves a record that `b24lua undo` treats as "outcome unknown". Secrets never enter it:
/// only method names, parameters and results are written, each through `Redaction.redact(json:)`
/// (a script may pass a token or a webhook URL as a parameter).
///
/// A journal may hold several runs (it is appended to); `run` tells them apart.
/// Lines: {"v":1,"run":ID,"seq":N,"at":"ISO-8601","phase":"intent","portal":HOST,"method":M,"params":{…}}
///        {"v":1,"seq":N,"at":…,"phase":"outcome","method":M,"ok":true,"result":R[,"confirmed_on_retry":true]}
///        {"v":1,"seq":N,"at":…,"phase":"outcome","method":M,"ok":false,"outcome_unknown":B,
///         "error":{"code":…,"description":…,"status":…,"kind":…}}
public final class Journal: @unchecked Sendable {
    public let path: String
    private let portal: String
    private let lock = NSLock()
    private var fd: Int32
    private var seq = 0
    private let run = String(UUID().uuidString.prefix(8)).lowercased()
    /// Used under `lock`: one formatter for the journal's life, not one per line.
    private let clock: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    public init(path: String, portal: String) throws(B24Error) {
        self.path = path
        self.portal = portal
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .configError("cannot open journal \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Records a write about to be sent; returns its sequence number for `outcome`. When the
    /// line is not on disk (a full disk, an I/O error) the write must not be sent: the error is
    /// `JOURNAL_ERROR`.
    public func intent(method: String, params: JSONValue) throws(B24Error) -> Int {
        lock.lock(); defer { lock.unlock() }
        seq += 1
        let failure = append(["v": 1, "run": .string(run), "seq": .int(Int64(seq)), "at": .string(clock.string(from: Date())),
                              "phase": "intent", "portal": .string(portal), "method": .string(method), "params": Redaction.redact(json: params)])
        if let failure {
            throw B24Error(code: "JOURNAL_ERROR", message: "cannot journal the write, so it was not sent: \(path): \(failure)",
                           method: method, kind: .state, retryable: false, requestMayHaveArrived: false)
        }
        return seq
    }

    public func outcome(_ seq: Int, method: String, result: Result<JSONValue, B24Error>, confirmedOnRetry: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        var line: JSONObject = ["v": 1, "run": .string(run), "seq": .int(Int64(seq)), "at": .string(clock.string(from: Date())), "phase": "outcome",
                                "method": .string(method)]
        switch result {
        case .success(let value):
            line["ok"] = true
            line["result"] = Redaction.redact(json: value)
            if confirmedOnRetry { line["confirmed_on_retry"] = true }
        case .failure(let e):
            line["ok"] = false
            line["outcome_unknown"] = .bool(e.outcomeUnknown)
            var err: JSONObject = ["code": .string(e.code), "description": .string(Redaction.redact(e.message)),
                                   "kind": .string(e.kind.rawValue)]
            if let s = e.status { err["status"] = .int(Int64(s)) }
            line["error"] = .object(err)
        }
        // The write was sent: it cannot be taken back. Its intent line stays, so undo treats it
        // as "outcome unknown"; say so once.
        if let failure = append(line), !outcomeFailureReported {
            outcomeFailureReported = true
            FileHandle.standardError.write(Data("b24lua: cannot journal an outcome (\(path): \(failure)); undo will treat it as unknown\n".utf8))
        }
    }

    private var outcomeFailureReported = false

    /// Appends one line and forces it to disk; nil on success, else what failed.
    private func append(_ line: JSONObject) -> String? {
        var bytes = JSONValue.object(line).serializedBytes()
        bytes.append(0x0A)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n < 0 ? String(cString: strerror(errno)) : "nothing written" }
            written += n
        }
        if fsync(fd) != 0 && errno != EINVAL { return String(cString: strerror(errno)) }
        return nil
    }
}

/// One write of a journal, its intent paired with its outcome (nil: the run stopped between).
public struct JournaledWrite: Sendable, Equatable {
    public var run: String
    public var seq: Int
    public var method: String
    public var params: JSONValue
    public var ok: Bool?
    public var result: JSONValue?
    public var outcomeUnknown: Bool

    /// Reads a journal file; lines that are not journal JSON are reported by line number. A
    /// torn last line (no newline: the run was cut off while appending it) is skipped, with a
    /// warning in `warnings`: the write it would describe was not sent yet, or its intent is
    /// already on an earlier line.
    public static func read(_ text: String, warnings: inout [String]) throws(B24Error) -> [JournaledWrite] {
        var writes: [String: JournaledWrite] = [:]
        var order: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for (n, line) in lines.enumerated() {
            guard let v = try? JSONValue.parse(String(line)), let seq = v["seq"]?.intValue,
                  let phase = v["phase"]?.stringValue, let method = v["method"]?.stringValue else {
                if n == lines.count - 1 && !text.hasSuffix("\n") {
                    warnings.append("journal line \(n + 1) is torn (the run stopped while writing it); skipped")
                    break
                }
                throw .invalidArgument("journal line \(n + 1) is not a b24lua journal entry")
            }
            let run = v["run"]?.stringValue ?? ""
            let key = "\(run)/\(seq)"
            switch phase {
            case "intent":
                writes[key] = JournaledWrite(run: run, seq: Int(seq), method: method, params: v["params"] ?? [:], ok: nil, result: nil,
                                             outcomeUnknown: true)
                order.append(key)
            case "outcome":
                guard var w = writes[key] else { continue }
                w.ok = v["ok"]?.boolValue
                w.result = v["result"]
                w.outcomeUnknown = v["outcome_unknown"]?.boolValue ?? false
                writes[key] = w
            default:
                throw .invalidArgument("journal line \(n + 1) has unknown phase '\(phase)'")
            }
        }
        return order.compactMap { writes[$0] }
    }

    public static func read(_ text: String) throws(B24Error) -> [JournaledWrite] {
        var ignored: [String] = []
        return try read(text, warnings: &ignored)
    }
}
