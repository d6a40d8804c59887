import B24
import B24Wire

/// One write of a journal, its intent paired with its outcome (nil: the run stopped between).
public struct JournaledWrite: Sendable, Equatable {
    public var run: String
    public var seq: Int
    /// The portal its intent line names (docs/journal.md); nil when it names none.
    public var portal: String?
    public var method: String
    public var params: JSONValue
    public var ok: Bool?
    public var result: JSONValue?
    public var outcomeUnknown: Bool
    /// The journal's line of the intent (1-based), for messages.
    public var line: Int

    /// The write's portal as a report names it.
    public var portalName: String { portal ?? "(no portal named)" }

    /// Reads a journal file (docs/journal.md). A torn line (the run was cut off while appending
    /// it) is skipped with a warning in `warnings`, wherever it is: the write it would describe
    /// was not sent yet, or its intent is on an earlier line and, without an outcome, reads as
    /// "outcome unknown". A line a later run glued to a torn one (an older b24lua did not end
    /// the torn line first) is read from where the later line starts. Any other line that is not
    /// a journal entry refuses the file, with its number.
    public static func read(_ text: String, warnings: inout [String]) throws(B24Error) -> [JournaledWrite] {
        var writes: [String: JournaledWrite] = [:]
        var order: [String] = []
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            if raw.isEmpty { continue }
            let entry: JSONValue
            switch parse(raw) {
            case .entry(let v): entry = v
            case .gluedAfterTorn(let v):
                warnings.append("journal line \(n) starts with a torn entry (the run stopped while writing it); that part is skipped")
                entry = v
            case .torn:
                warnings.append("journal line \(n) is torn (the run stopped while writing it); skipped")
                continue
            case .foreign:
                throw .invalidArgument("journal line \(n) is not a b24lua journal entry")
            }
            guard let seq = entry["seq"]?.intValue, seq > 0, let phase = entry["phase"]?.stringValue,
                  let method = entry["method"]?.stringValue else {
                throw .invalidArgument("journal line \(n) is not a b24lua journal entry")
            }
            let run = entry["run"]?.stringValue ?? ""
            let portal = entry["portal"]?.stringValue
            let key = "\(run)/\(seq)"
            switch phase {
            case "intent":
                if let earlier = writes[key] {
                    throw .invalidArgument("journal line \(n) repeats the write of line \(earlier.line) (run \(run), seq \(seq))")
                }
                writes[key] = JournaledWrite(run: run, seq: Int(seq), portal: portal, method: method, params: entry["params"] ?? [:],
                                             ok: nil, result: nil, outcomeUnknown: true, line: n)
                order.append(key)
            case "outcome":
                guard var w = writes[key] else { continue }
                if w.ok != nil {
                    throw .invalidArgument("journal line \(n) is a second outcome of the write of line \(w.line)")
                }
                if let portal, portal != w.portal {
                    throw .invalidArgument("journal line \(n) names another portal than its intent on line \(w.line)")
                }
                guard let ok = entry["ok"]?.boolValue else {
                    throw .invalidArgument("journal line \(n) is an outcome without 'ok'")
                }
                w.ok = ok
                w.result = entry["result"]
                w.outcomeUnknown = !ok && (entry["outcome_unknown"]?.boolValue ?? false)
                writes[key] = w
            default:
                throw .invalidArgument("journal line \(n) has unknown phase '\(phase.prefix(40))'")
            }
        }
        return order.compactMap { writes[$0] }
    }

    public static func read(_ text: String) throws(B24Error) -> [JournaledWrite] {
        var ignored: [String] = []
        return try read(text, warnings: &ignored)
    }

    enum Line {
        case entry(JSONValue)
        case gluedAfterTorn(JSONValue)
        case torn
        case foreign
    }

    /// A line as the journal wrote it, or a torn one: JSON cut off (it starts as an entry does),
    /// perhaps with a whole later entry glued to it.
    static func parse(_ raw: Substring) -> Line {
        if let v = try? JSONValue.parse(String(raw)), v.objectValue != nil { return .entry(v) }
        guard raw.hasPrefix("{") else { return .foreign }
        // Every entry the journal writes starts so (its keys keep their order).
        var rest = raw.dropFirst()
        while let r = rest.firstRange(of: "{\"v\":") {
            let candidate = rest[r.lowerBound...]
            if let v = try? JSONValue.parse(String(candidate)), v.objectValue != nil { return .gluedAfterTorn(v) }
            rest = rest[r.upperBound...]
        }
        return .torn
    }
}
