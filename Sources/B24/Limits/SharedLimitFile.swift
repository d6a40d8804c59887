import B24Wire

// The shared limit file (docs/shared-limit.md): one per portal and plan, its bytes laid out by
// LimitFileLayout, rewritten in place under an open-file-description lock. Such a lock belongs
// to the descriptor, so a process that dies holds nothing, and two cells of one process on the
// same file (each with a descriptor of its own) exclude each other as two processes do. The
// lock is only ever tried, never waited for here: a process that holds it and is stopped must
// not stop the others, and a wait must end on Ctrl-C (LimiterCell waits, off the thread).

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
    private var warnedLocked = false

    /// The bytes read under the lock and the bytes to write, each as large as a file can be.
    private var input = [UInt8](repeating: 0, count: LimitFileLayout.maxSize + 1)
    private var output = [UInt8](repeating: 0, count: LimitFileLayout.maxSize)
    /// The file as this process last read or wrote it: when it is still so, the state this
    /// process holds is the file's, and nothing need be decoded.
    private var last: (generation: UInt64, checksum: UInt64, length: Int)?

    /// `F_OFD_SETLK`: takes or lets go of the lock without waiting (Linux 3.15 and later;
    /// Glibc's headers name it only under _GNU_SOURCE).
    static let setLock: Int32 = 37

    /// One try at the critical section.
    enum Attempt<R> {
        case done(R)
        /// Another descriptor holds the lock: nothing was read, `body` did not run.
        case busy
        /// The file failed (it is off now); `body` did not run.
        case failed
    }

    init(path: String, key: String, warn: @escaping @Sendable (String) -> Void) {
        self.path = path
        keyHash = LimitFileLayout.fnv1a(key)
        self.warn = warn
        var real = path
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            switch StateDirectory.prepare(String(path[..<slash])) {
            case .refused(let refusal):
                degrade("\(refusal)")
                return
            case .ready(let dir):
                real = dir + String(path[slash...])
            }
        }
        fd = open(real, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            degrade("cannot open \(path): \(Self.lastError())")
            return
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid() else {
            degrade("\(path) is not a regular file of this user")
            return
        }
        // Another name for the same file (a hard link) makes it some other file too: rewriting
        // it in place would overwrite that one.
        guard st.st_nlink == 1 else {
            degrade("\(path) has other names (hard links)")
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

    /// Under the file's lock, when it can be had at once: `limiter` takes the state the file
    /// holds (unless it holds what this process last saw, or nothing usable), `body` runs on it,
    /// and the state is written back when it differs from the file's.
    func exclusive<R>(_ limiter: inout RateLimiter, now: () -> Double, _ body: (inout RateLimiter) -> R) -> Attempt<R> {
        switch tryLock() {
        case .busy: return .busy
        case .failed: return .failed
        case .held: break
        }
        defer { unlock() }
        let n = input.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else {
            degrade("cannot read \(path): \(Self.lastError())")
            return .failed
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
                if let refused = LimitFileLayout.adopt(b, into: &limiter, now: now()) {
                    corrupt(refused)
                } else {
                    (generation, checksum, current) = (g, sum, true)
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
            return .done(result)
        }
        let next = generation &+ 1
        let sum = output.withUnsafeMutableBytes { LimitFileLayout.seal($0, length: length, generation: next) }
        let written = output.withUnsafeBytes { pwrite(fd, $0.baseAddress, length, 0) }
        // A shorter state than the file's (fewer methods): cut the rest, so that the length checks.
        if written != length || (length < n && ftruncate(fd, off_t(length)) != 0) {
            degrade("cannot write \(path): \(Self.lastError())")
            return .done(result)
        }
        last = (next, sum, length)
        return .done(result)
    }

    private func corrupt(_ why: String) {
        guard !warnedCorrupt else { return }
        warnedCorrupt = true
        warn("b24lua: the shared rate limit file \(path) was unreadable (\(why)); it starts afresh")
    }

    /// Said once, when a wait for the lock ran out (LimiterCell.lockPatience).
    func lockedTooLong(seconds: Int) {
        guard !warnedLocked else { return }
        warnedLocked = true
        warn("b24lua: the shared rate limit file \(path) is locked by another process for over \(seconds) s "
             + "(a stopped process?); this process keeps its own limit and tries the file again at each request")
    }

    private enum LockState { case held, busy, failed }

    private func tryLock() -> LockState {
        var lk = flock()
        lk.l_type = Int16(F_WRLCK)
        lk.l_whence = Int16(SEEK_SET)
        while fcntl(fd, Self.setLock, &lk) != 0 {
            switch errno {
            case EINTR: continue
            case EAGAIN, EACCES: return .busy
            default:
                degrade("cannot lock \(path): \(Self.lastError())")
                return .failed
            }
        }
        return .held
    }

    /// After a failure the descriptor is closed already, and with it the lock.
    private func unlock() {
        guard fd >= 0 else { return }
        var un = flock()
        un.l_type = Int16(F_UNLCK)
        un.l_whence = Int16(SEEK_SET)
        _ = fcntl(fd, Self.setLock, &un)
    }

    static func lastError() -> String { String(cString: strerror(errno)) }

    /// The file for the portal at `origin` (scheme, host, port) under `plan`, in
    /// `StateDirectory.runtime` (`$XDG_RUNTIME_DIR/b24lua/`, else the state directory); nil
    /// when there is no such directory (no XDG variable and no home).
    public static func defaultPath(host origin: String, plan: RateLimitPlan, environment: [String: String]) -> (path: String, key: String)? {
        guard let dir = StateDirectory.runtime(environment: environment) else { return nil }
        let rate = plan.drainPerSecond.map { String($0) } ?? "off"
        let key = "\(origin.lowercased()) \(rate)/\(plan.burst)/\(plan.operatingLimit)"
        let safeHost = String(origin.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }.prefix(100))
        return (dir + "/limit-\(safeHost)-\(rate)-\(Int(min(max(plan.burst, 0), 1e9))).v\(LimitFileLayout.version)", key)
    }
}
