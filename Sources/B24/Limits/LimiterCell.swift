// Where the client's RateLimiter lives: in this process, or in a small file every b24lua process
// of the same portal and plan shares (docs/shared-limit.md). Either way a caller sees one
// `withLock`: the limiter's state, exclusively, for one event.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class LimiterCell: @unchecked Sendable {
    private let lock = NSLock()
    private var local: RateLimiter
    private let file: SharedLimitFile?
    private let clock: any B24Clock

    /// A limiter for this process only.
    public init(_ limiter: RateLimiter, clock: any B24Clock = SystemClock()) {
        local = limiter
        file = nil
        self.clock = clock
    }

    /// A limiter shared through `file`. `clock` must read a system-wide clock (SystemClock does),
    /// since other processes read the times written. When the file cannot be used, the cell
    /// degrades to `limiter` in this process and `warn` is told once.
    public init(_ limiter: RateLimiter, sharedAt path: String, key: String, clock: any B24Clock = SystemClock(),
                warn: @escaping @Sendable (String) -> Void) {
        local = limiter
        self.clock = clock
        file = SharedLimitFile(path: path, key: key, warn: warn)
    }

    /// Is the state shared with other processes right now (false after degrading).
    public var isShared: Bool { lock.withLock { file?.usable ?? false } }

    public func withLock<R>(_ body: (inout RateLimiter) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        guard let file, file.usable else { return body(&local) }
        return file.exclusive { seen in
            if case .changed(let state) = seen { local.adopt(state) }
            let before = local
            let r = body(&local)
            // Unchanged (most successes): the file already says so, unless it said nothing usable.
            if local == before, seen != .invalid { return (r, nil) }
            return (r, local.sharedState(now: clock.now()))
        } ?? body(&local)
    }
}

/// The file: one JSON object `{"v":1,"key":…,"boot":…,"state":{…}}`, rewritten in place under
/// an fcntl write lock (a process that dies holds nothing). Per-process exclusion comes from the
/// cell's lock and, for cells of one process on the same file, a lock per path.
public final class SharedLimitFile: @unchecked Sendable {
    let path: String
    let key: String
    private let warn: @Sendable (String) -> Void
    private var fd: Int32 = -1
    private(set) var usable = false
    private let pathLock: NSLock
    private let boot = SharedLimitFile.bootID()

    private static let pathLocks = Mutex<[String: NSLock]>([:])

    init(path: String, key: String, warn: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.key = key
        self.warn = warn
        pathLock = Self.pathLocks.withLock { locks in
            if let l = locks[path] { return l }
            let l = NSLock()
            locks[path] = l
            return l
        }
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            degrade("cannot create \(dir)")
            return
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            degrade("cannot open \(path): \(String(cString: strerror(errno)))")
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

    /// Runs `body` with the file's state (nil: none yet, or another key, boot or format) under
    /// the lock, and writes back what it returns. nil when the file failed (and is now off).
    /// What the file held when the lock was taken.
    enum Seen: Equatable {
        /// Exactly what this process last read or wrote: its own state is current.
        case unchanged
        case changed(JSONValue)
        /// Nothing usable: none yet, another key, boot or format.
        case invalid
    }

    /// Runs `body` with what the file holds under the lock, and writes back the state it returns
    /// (nil: nothing to write). nil when the file failed (and is now off).
    func exclusive<R>(_ body: (Seen) -> (R, JSONValue?)) -> R? {
        pathLock.lock()
        defer { pathLock.unlock() }
        var lk = flock()
        lk.l_type = Int16(F_WRLCK)
        lk.l_whence = Int16(SEEK_SET)
        while fcntl(fd, F_SETLKW, &lk) != 0 {
            if errno == EINTR { continue }
            degrade("cannot lock \(path): \(String(cString: strerror(errno)))")
            return nil
        }
        defer {
            var un = flock()
            un.l_type = Int16(F_UNLCK)
            un.l_whence = Int16(SEEK_SET)
            _ = fcntl(fd, F_SETLK, &un)
        }
        let (result, state) = body(read())
        guard let state else { return result }
        let doc: JSONValue = ["v": 1, "key": .string(key), "boot": .string(boot), "state": state]
        var bytes = doc.serializedBytes()
        bytes.append(0x0A)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if written != bytes.count || ftruncate(fd, off_t(bytes.count)) != 0 {
            degrade("cannot write \(path): \(String(cString: strerror(errno)))")
            return result
        }
        last = bytes
        return result
    }

    /// The bytes this process last read or wrote: the same bytes again need no parsing.
    private var last: [UInt8] = []

    /// Kept between reads (under the lock): the file is a few hundred bytes.
    private var buffer = [UInt8](repeating: 0, count: 4096)

    private func read() -> Seen {
        var n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        while n == buffer.count, buffer.count < 1 << 20 {  // a larger file: read it whole
            buffer = [UInt8](repeating: 0, count: buffer.count * 4)
            n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        }
        guard n > 0 else { return .invalid }
        if !last.isEmpty, n == last.count, buffer[..<n].elementsEqual(last) { return .unchanged }
        guard let doc = try? JSONValue.parse(buffer[..<n]), doc["v"]?.intValue == 1,
              doc["key"]?.stringValue == key, doc["boot"]?.stringValue == boot,
              let state = doc["state"] else { return .invalid }
        last = Array(buffer[..<n])
        return .changed(state)
    }

    /// Monotonic times are comparable only within one boot.
    static func bootID() -> String {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
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
            dir = (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/b24lua"
        }
        let rate = plan.drainPerSecond.map { String($0) } ?? "off"
        let key = "\(origin.lowercased()) \(rate)/\(plan.burst)/\(plan.operatingLimit)"
        let safeHost = String(origin.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }.prefix(100))
        return (dir + "/limit-\(safeHost)-\(rate)-\(Int(min(max(plan.burst, 0), 1e9))).json", key)
    }
}
