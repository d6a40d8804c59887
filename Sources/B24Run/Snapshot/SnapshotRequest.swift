import B24
import B24Wire
import B24Sandbox

/// What a snapshot is asked to copy (docs/snapshot.md): which CRM entity types, an optional
/// filter for their list method, and whether names are replaced by pseudonyms.
public struct SnapshotRequest: Sendable, Equatable {
    public var types: [CRMEntityType]
    /// Passed as `filter` to `crm.item.list` (its own keys: `id`, `assignedById`, `title`, with
    /// prefixes such as `>=`).
    public var filter: JSONObject?
    public var anonymize: Bool

    public init(types: [CRMEntityType] = CRMEntityType.allCases, filter: JSONObject? = nil, anonymize: Bool = false) {
        self.types = types
        self.filter = filter
        self.anonymize = anonymize
    }

    /// `--entities lead,deal`: known names, each once, in the order given.
    public static func types(_ text: String) throws(UsageError) -> [CRMEntityType] {
        var out: [CRMEntityType] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingWhitespace().lowercased()
            guard let t = CRMEntityType(rawValue: name) else {
                throw UsageError(description: "'--entities' takes lead, deal, contact, company (comma-separated), "
                                 + "got '\(name.prefix(40))'")
            }
            if !out.contains(t) { out.append(t) }
        }
        guard !out.isEmpty else { throw UsageError(description: "'--entities' names no entity type") }
        return out
    }

    /// `--filter JSON`: a JSON object.
    public static func filter(_ text: String) throws(UsageError) -> JSONObject {
        guard let v = try? JSONValue.parse(text), let o = v.objectValue else {
            throw UsageError(description: "'--filter' needs a JSON object, such as '{\">=id\": 1000}'")
        }
        return o
    }

    /// What a checkpoint must match to be resumed: the same reads of the same portal. Pseudonyms
    /// are applied at the end, so `--anonymize` is not part of it.
    func checkpointKey(portal: String) -> JSONValue {
        ["portal": .string(portal), "entities": .array(types.map { .string($0.rawValue) }),
         "filter": filter.map { .object($0) } ?? .null]
    }
}
