// The shared limit file (docs/shared-limit.md): one per portal and plan, its bytes laid out by
// LimitFileLayout, rewritten in place under an open-file-description lock. Such a lock belongs
// to the descriptor, so a process that dies holds nothing, and two cells of one process on the
// same file (each with a descriptor of its own) exclude each other as two processes do.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class SharedLimitFile: @unchecked Sendable {
    let path: String
    private let keyHash: UInt64
    private let boot = LimitFileLayout.bootID()
    private let warn: @Sendable (String) -> Void
    private var fd: Int32 = -1
    private(set) var usable = false
    private var warnedCorrupt = false

    /// The bytes read under the lock and the bytes to write, each as large as a file can be.
    private var input = [UInt8](repeating: 0, count: LimitFileLayout.maxSize + 1)
    private var output = [UInt8](repeating: 0, count: LimitFileLayout.maxSize)
    /// The file as this process last read or wrote it: when it is still so, the state this
    /// process holds is the file's, and nothing need be decoded.
    private var last: (generation: UInt64, checksum: UInt64, length: Int)?

    /// `F_OFD_SETLKW` (Linux 3.15 and later; Glibc's headers name it only under _GNU_SOURCE).
    static let setLockWaiting: Int32 = 38

    init(path: String, key: String, warn: @escaping @Sendable (String) -> Void) {
        self.path = path
        keyHash = LimitFileLayout.fnv1a(key)
        self.warn = warn
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !dir.isEmpty, let failure = Self.makeDirectories(dir) {
            degrade("cannot create \(dir): \(failure)")
            return
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            degrade("cannot open \(path): \(Self.lastError())")
            return
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == getuid() else {
            degrade("\(path) is not a regular file of this user")
            return
        }
        if st.st_mode & 0o077 != 0 { fchmod(fd, 0o600) }
        usable = true
    }

    deinit { if fd >= 0 { close(fd) } }

    private func degrade(_ why: String) {
        usable = false
        if fd >= 0 { close(fd); fd = -1 }
        warn("b24lua: the shared rate limit is off (\(why)); this process keeps its own")
    }

    /// Under the file's lock: `limiter` takes the state the file holds (unless it holds what
    /// this process last saw, or nothing usable), `body` runs on it, and the state is written
    /// back when it differs from the file's. nil, with `body` not run, when the file failed
    /// (it is off now).
    func exclusive<R>(_ limiter: inout RateLimiter, now: () -> Double, _ body: (inout RateLimiter) -> R) -> R? {
        guard lock() else { return nil }
        defer { unlock() }
        let n = input.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else {
            degrade("cannot read \(path): \(Self.lastError())")
            return nil
        }
        // The generation and checksum of the file when `limiter` holds its state (`current`).
        var generation: UInt64 = 0, checksum: UInt64 = 0, current = false
        input.withUnsafeBytes { whole in
            let b = UnsafeRawBufferPointer(rebasing: whole[..<n])
            if let last, last.length == n, LimitFileLayout.u64(b, LimitFileLayout.Offset.generation) == last.generation,
               LimitFileLayout.u64(b, n - LimitFileLayout.checksumSize) == last.checksum {
                (generation, checksum, current) = (last.generation, last.checksum, true)
                return
            }
            switch LimitFileLayout.judge(b, boot: boot, keyHash: keyHash) {
            case .valid(let g, let sum):
                if LimitFileLayout.adopt(b, into: &limiter) {
                    (generation, checksum, current) = (g, sum, true)
                } else {
                    corrupt("bad method records")
                }
            case .corrupt(let why):
                corrupt(why)
            case .empty, .foreign:
                break  // afresh, from this process's own state
            }
        }
        let result = body(&limiter)
        let length = output.withUnsafeMutableBytes {
            LimitFileLayout.encode(limiter, now: now(), boot: boot, keyHash: keyHash, generation: generation, into: $0)
        }
        // The same state as the file's (the checksum aside, which covers the same bytes): no write.
        if current, length == n, output.withUnsafeBytes({ out in
            input.withUnsafeBytes { memcmp(out.baseAddress!, $0.baseAddress!, length - LimitFileLayout.checksumSize) == 0 }
        }) {
            last = (generation, checksum, n)
            return result
        }
        let next = generation &+ 1
        let sum = output.withUnsafeMutableBytes { LimitFileLayout.seal($0, length: length, generation: next) }
        let written = output.withUnsafeBytes { pwrite(fd, $0.baseAddress, length, 0) }
        // A shorter state than the file's (fewer methods): cut the rest, so that the length checks.
        if written != length || (length < n && ftruncate(fd, off_t(length)) != 0) {
            degrade("cannot write \(path): \(Self.lastError())")
            return result
        }
        last = (next, sum, length)
        return result
    }

    private func corrupt(_ why: String) {
        guard !warnedCorrupt else { return }
        warnedCorrupt = true
        warn("b24lua: the shared rate limit file \(path) was unreadable (\(why)); it starts afresh")
    }

    private func lock() -> Bool {
        var lk = flock()
        lk.l_type = Int16(F_WRLCK)
        lk.l_whence = Int16(SEEK_SET)
        while fcntl(fd, Self.setLockWaiting, &lk) != 0 {
            if errno == EINTR { continue }
            degrade("cannot lock \(path): \(Self.lastError())")
            return false
        }
        return true
    }

    /// After a failure the descriptor is closed already, and with it the lock.
    private func unlock() {
        guard fd >= 0 else { return }
        var un = flock()
        un.l_type = Int16(F_UNLCK)
        un.l_whence = Int16(SEEK_SET)
        _ = fcntl(fd, Self.setLockWaiting, &un)
    }

    static func lastError() -> String { String(cString: strerror(errno)) }

    /// `mkdir -p` with mode 0700 for what it creates; the failure, if any.
    static func makeDirectories(_ dir: String) -> String? {
        var st = stat()
        if stat(dir, &st) == 0 { return (st.st_mode & S_IFMT) == S_IFDIR ? nil : "not a directory" }
        let parent = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
        if !parent.isEmpty, let failure = makeDirectories(parent) { return failure }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { return lastError() }
        return nil
    }

    /// `$XDG_RUNTIME_DIR/b24lua/`, else the state directory (`$XDG_STATE_HOME/b24lua/`, else
    /// `~/.local/state/b24lua/`): the file for the portal at `origin` (scheme, host, port) under `plan`.
    public static func defaultPath(host origin: String, plan: RateLimitPlan, environment: [String: String]) -> (path: String, key: String) {
        let dir: String
        if let run = environment["XDG_RUNTIME_DIR"], run.hasPrefix("/") {
            dir = run + "/b24lua"
        } else if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            dir = state + "/b24lua"
        } else {
            dir = (environment["HOME"] ?? environment["TMPDIR"] ?? "/tmp") + "/.local/state/b24lua"
        }
        let rate = plan.drainPerSecond.map { String($0) } ?? "off"
        let key = "\(origin.lowercased()) \(rate)/\(plan.burst)/\(plan.operatingLimit)"
        let safeHost = String(origin.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }.prefix(100))
        return (dir + "/limit-\(safeHost)-\(rate)-\(Int(min(max(plan.burst, 0), 1e9))).v\(LimitFileLayout.version)", key)
    }
}
