import B24
import B24Sandbox

/// `--anonymize` (docs/snapshot.md): people's names and entity titles become pseudonyms made
/// from their ids, which stay, so that a snapshot can go into a support ticket and two
/// anonymized snapshots of one portal still name everyone alike. Line titles are the portal's
/// own settings and stay too.
public enum Pseudonyms {
    public static func user(_ u: SandboxUser) -> String { u.bot ? "Bot \(u.id)" : "User \(u.id)" }

    public static func entity(_ ref: EntityRef) -> String {
        "\(ref.type.rawValue.prefix(1).uppercased())\(ref.type.rawValue.dropFirst()) \(ref.id)"
    }

    public static func applied(to data: SandboxDataSet) -> SandboxDataSet {
        var d = data
        for i in d.users.indices { d.users[i].name = user(d.users[i]) }
        for i in d.entities.indices where d.entities[i].title != nil { d.entities[i].title = entity(d.entities[i].ref) }
        if var s = d.snapshot, case .object(var by)? = s["taken_by"], let id = by["id"]?.intValue {
            by["name"] = .string(d.users.first { $0.id == id }.map(user) ?? "User \(id)")
            s["taken_by"] = .object(by)
            d.snapshot = s
        }
        return d
    }
}
