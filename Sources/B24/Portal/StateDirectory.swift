// Where b24lua keeps what outlives a run — the shared limit file, the token cache, the REPL's
// history (docs/shared-limit.md, "Where state lives"). One place decides the directory, and one
// check decides whether it may be used: as ssh does with ~/.ssh, only a directory that is the
// user's, that no one else can write to, reached through directories no one else can change.
// Otherwise another local user could create it first and read or forge what b24lua keeps there.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum StateDirectory {
    /// Why a state directory may not be used; its description names the directory.
    /// Never thrown: each caller words what it means for it (no history, no shared limit, an
    /// error about the tokens), so the layer keeps `B24Error` as its one error type.
    public struct Refusal: Sendable, CustomStringConvertible, Equatable {
        public let directory: String
        public let reason: String
        public var description: String { "the state directory \(directory) \(reason)" }
    }

    /// `$XDG_STATE_HOME/b24lua`, else `HOME/.local/state/b24lua`, HOME being `$HOME` or, when it
    /// is unset, the user's home in the password database (as ssh finds `~/.ssh`): never a
    /// directory every user shares, such as `$TMPDIR`. nil when there is no home at all.
    public static func state(environment: [String: String]) -> String? {
        if let s = environment["XDG_STATE_HOME"], s.hasPrefix("/") { return s + "/b24lua" }
        return home(environment).map { $0 + "/.local/state/b24lua" }
    }

    /// `$XDG_RUNTIME_DIR/b24lua` (a per-user tmpfs, gone at logout or reboot), else `state`.
    public static func runtime(environment: [String: String]) -> String? {
        if let r = environment["XDG_RUNTIME_DIR"], r.hasPrefix("/") { return r + "/b24lua" }
        return state(environment: environment)
    }

    static func home(_ environment: [String: String]) -> String? {
        if let h = environment["HOME"], h.hasPrefix("/") { return h }
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &found) == 0, found != nil,
              let dir = entry.pw_dir else { return nil }
        let h = String(cString: dir)
        return h.hasPrefix("/") ? h : nil
    }

    /// What `prepare` found: the path to use, or why the directory may not be used.
    public enum Prepared: Sendable, Equatable {
        case ready(String)
        case refused(Refusal)
    }

    /// `dir`, created (mode 0700) where missing unless `create` is false, and checked: it must be
    /// a directory owned by this user (the effective uid) and not writable by group or others,
    /// and every directory above it owned by this user or root and not writable by others
    /// unless sticky (as /tmp is: others cannot rename what is not theirs). Returns the path to
    /// open files under: `dir` with every symbolic link resolved, so that no link another user
    /// owns can be swapped after the check.
    public static func prepare(_ dir: String, create: Bool = true) -> Prepared {
        func refuse(_ reason: String) -> Prepared { .refused(Refusal(directory: dir, reason: reason)) }
        if create, let failure = makeDirectories(dir) { return refuse("cannot be created (\(failure))") }
        guard let resolved = realpath(dir, nil) else { return refuse("cannot be used (\(lastError()))") }
        let real = String(cString: resolved)
        free(resolved)
        var st = stat()
        guard stat(real, &st) == 0 else { return refuse("cannot be used (\(lastError()))") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return refuse("is not a directory") }
        guard st.st_uid == geteuid() else { return refuse("is owned by uid \(st.st_uid), not by this user (uid \(geteuid()))") }
        guard st.st_mode & 0o022 == 0 else { return refuse("is writable by group or others (mode \(octal(st.st_mode)))") }
        var above = real
        while let slash = above.lastIndex(of: "/"), above != "/" {
            above = slash == above.startIndex ? "/" : String(above[..<slash])
            guard stat(above, &st) == 0 else { return refuse("cannot be used (\(above): \(lastError()))") }
            guard st.st_uid == 0 || st.st_uid == geteuid() else {
                return refuse("lies below \(above), which is owned by uid \(st.st_uid)")
            }
            guard st.st_mode & 0o022 == 0 || st.st_mode & 0o1000 != 0 else {
                return refuse("lies below \(above), which others can write to (mode \(octal(st.st_mode)))")
            }
        }
        return .ready(real)
    }

    /// `mkdir -p` with mode 0700 for what it creates, only in directories that pass `prepare`'s
    /// check of the ones above; the failure, if any.
    static func makeDirectories(_ dir: String) -> String? {
        var st = stat()
        if stat(dir, &st) == 0 { return (st.st_mode & S_IFMT) == S_IFDIR ? nil : "\(dir) is not a directory" }
        let parent = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
        if !parent.isEmpty, let failure = makeDirectories(parent) { return failure }
        // Nothing is made where the check would refuse it: in another user's home (root with
        // that user's HOME, as `sudo -E` leaves it) what root makes would be root's, and that
        // user could no longer use it.
        if !parent.isEmpty, stat(parent, &st) == 0 {
            guard st.st_uid == 0 || st.st_uid == geteuid() else { return "\(parent) is owned by uid \(st.st_uid)" }
            guard st.st_mode & 0o022 == 0 || st.st_mode & 0o1000 != 0 else {
                return "others can write to \(parent) (mode \(octal(st.st_mode)))"
            }
        }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { return lastError() }
        return nil
    }

    static func lastError() -> String { String(cString: strerror(errno)) }

    static func octal(_ mode: mode_t) -> String {
        let bits = Int(mode & 0o7777)
        return "0" + String(bits, radix: 8)
    }
}
