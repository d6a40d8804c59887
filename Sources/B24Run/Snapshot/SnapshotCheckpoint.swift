import B24
import B24Wire
#if canImport(Glibc)
import Glibc
#endif

/// The reads a snapshot has made so far, by command key (docs/snapshot.md, "Resuming"). Every
/// phase derives its commands from the answers before it, so the answers are the whole state:
/// a run that finds them next to its output sends only what is missing.
struct SnapshotCheckpoint {
    static let version: Int64 = 1

    /// The portal and options the answers belong to (`SnapshotRequest.checkpointKey`).
    var key: JSONValue
    /// When the first answer was read (the snapshot's time if it is resumed).
    var startedAt: String
    var results: [String: JSONValue] = [:]
    /// `total` of the list commands' first pages.
    var totals: [String: Int64] = [:]

    init(key: JSONValue, startedAt: String) {
        self.key = key
        self.startedAt = startedAt
    }

    /// `FILE.checkpoint`, beside the output.
    static func path(for output: String) -> String { output + ".checkpoint" }

    var json: JSONValue {
        var r = JSONObject()
        for k in results.keys.sorted() { r[k] = results[k] }
        var t = JSONObject()
        for k in totals.keys.sorted() { t[k] = .int(totals[k]!) }
        return ["b24lua_snapshot_checkpoint": .int(Self.version), "key": key, "started_at": .string(startedAt),
                "results": .object(r), "totals": .object(t)]
    }

    /// A checkpoint file's answers, or nil when it is not one of this version.
    init?(json: JSONValue) {
        guard json["b24lua_snapshot_checkpoint"]?.intValue == Self.version, let key = json["key"],
              let started = json["started_at"]?.stringValue, let r = json["results"]?.objectValue,
              let t = json["totals"]?.objectValue else { return nil }
        self.key = key
        startedAt = started
        for (k, v) in r { results[k] = v }
        for (k, v) in t { if let n = v.intValue { totals[k] = n } }
    }

    /// Reads the checkpoint at `path`: nil when there is none; an error when it cannot be read,
    /// or when it is not a regular file of this user's (docs/snapshot.md, "Resuming"): a
    /// checkpoint planted beside the output in a shared directory, or a link to one, would make
    /// the snapshot a copy of the planter's answers; a FIFO would block the read forever.
    static func load(_ path: String) throws(SnapshotError) -> SnapshotCheckpoint? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0, errno == ENOENT { return nil }
        let notUsed = "\(path) is not a regular file of yours (a link, a FIFO, another user's file): not used; "
            + "remove it, or write the snapshot where only you can write"
        guard fd >= 0 else { throw SnapshotError(.usage, errno == ELOOP ? notUsed : "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid() else {
            throw SnapshotError(.usage, notUsed)
        }
        guard let bytes = FileDescriptors.readToEnd(fd), let v = try? JSONValue.parse(Array(bytes)),
              let c = SnapshotCheckpoint(json: v) else {
            throw SnapshotError(.usage, "\(path) is not a snapshot checkpoint this b24lua can read; remove it to start over")
        }
        return c
    }

    /// Temporary file, fsync, rename: a crash leaves the previous checkpoint or this one.
    func save(_ path: String) throws(SnapshotError) {
        do throws(B24Error) { try TokenFile.writeAtomically(json.serializedBytes() + [0x0A], to: path) } catch {
            throw SnapshotError(.failed, "cannot write the checkpoint: \(error.message)")
        }
    }
}
