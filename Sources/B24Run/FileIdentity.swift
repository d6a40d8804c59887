#if canImport(Glibc)
import Glibc
#endif

/// A file as the system knows it, by device and inode: a hard link, a symlink or another
/// spelling of its path is the same file (docs/journal.md, "Undo").
public struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The file `path` names (following symlinks); nil when there is none yet.
    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// The file open on `descriptor` (standard input, for `undo -`); nil for none.
    public init?(descriptor: Int32) {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
