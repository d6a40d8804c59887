import B24Wire

// OAuth tokens that survive rotation (docs/shared-limit.md, "Tokens"): every refresh rotates
// the refresh token, so a pair handed to b24lua once (environment variables, a profile) is
// stale after the first refresh. The current pair is cached in a 0600 file per portal and
// client id, and a refresh is done by one process at a time under a lock: the others wait,
// then take the pair it wrote instead of spending the old refresh token a second time.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

public final class TokenFile: @unchecked Sendable {
    public let path: String
    /// The state directory the files live in, checked before each use (StateDirectory.prepare):
    /// tokens never go to, nor come from, a directory another user could have made or can write.
    private let directory: String
    private let name: String
    /// The refresh token the caller was given (the chain's start): a cache that began from
    /// another one belongs to tokens the user has since replaced.
    private let seed: String

    /// `<state dir>/tokens-<origin>-<client id>.json` (and `.lock` beside it).
    public init(directory: String, origin: String, clientId: String, seed: String) {
        let name = (origin + "-" + clientId).lowercased()
            .map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        self.directory = directory
        self.name = "tokens-" + String(name.prefix(160))
        path = directory + "/" + self.name + ".json"
        self.seed = seed
    }

    /// The checked directory (with links resolved) and the base name of the files in it.
    private func safeBase(create: Bool) throws(B24Error) -> String {
        switch StateDirectory.prepare(directory, create: create) {
        case .ready(let real): return real + "/" + name
        case .refused(let refusal): throw .configError("\(refusal); the tokens are not cached")
        }
    }

    /// The cached pair when it descends from `seed`; nil otherwise (none, another seed, unreadable).
    public func load() -> OAuthTokens? {
        guard let base = try? safeBase(create: false), let data = FileManager.default.contents(atPath: base + ".json"), let doc = try? JSONValue.parse(data),
              doc["v"]?.intValue == 1, doc["seed"]?.stringValue == seed,
              let access = doc["access"]?.stringValue, let refresh = doc["refresh"]?.stringValue,
              !access.isEmpty, !refresh.isEmpty else { return nil }
        Redaction.register(access)
        Redaction.register(refresh)
        return OAuthTokens(accessToken: access, refreshToken: refresh)
    }

    /// Writes the pair: a temporary file, fsync, rename (a crash leaves the old pair or the new).
    public func store(_ tokens: OAuthTokens) throws(B24Error) {
        let base = try safeBase(create: true)
        let doc: JSONValue = ["v": 1, "seed": .string(seed), "access": .string(tokens.accessToken),
                              "refresh": .string(tokens.refreshToken)]
        try Self.writeAtomically(doc.serializedBytes() + [0x0A], to: base + ".json")
    }

    /// How long a refresh waits for another process's: longer than that refresh's request may
    /// take (the client's timeout, 65 s). A lock held longer belongs to a stopped process.
    public static let lockPatience: Duration = .seconds(75)

    /// A refresh, one process at a time: under the lock, a pair newer than `stale` (another
    /// process refreshed meanwhile) is taken as it is; otherwise `refresh` runs and its pair is
    /// stored before the lock is let go. The lock is tried, never waited for on a thread: the
    /// task sleeps between tries, at most `patience`, and a cancelled wait ends at once; without
    /// the lock the refresh runs alone, as it would without a cache (a cancelled one fails).
    public func coordinatedRefresh(stale: OAuthTokens, patience: Duration = TokenFile.lockPatience,
                                   _ refresh: @Sendable () async -> Result<OAuthTokens, B24Error>)
        async -> Result<OAuthTokens, B24Error>
    {
        let fd: Int32
        do { fd = try await lock(patience: patience) } catch {
            // A call cut off (Ctrl-C, `--timeout`) while it waited spends no refresh token.
            if Task.isCancelled {
                return .failure(B24Error(code: "NETWORK_ERROR", message: "cancelled while waiting", kind: .network,
                                         retryable: false, requestMayHaveArrived: false))
            }
            StandardError.write("b24lua: \(error.message); refreshing the tokens alone\n")
            return await refresh()
        }
        defer { unlock(fd) }
        if let current = load(), current.accessToken != stale.accessToken { return .success(current) }
        let result = await refresh()
        if case .success(let fresh) = result {
            do { try store(fresh) } catch {
                StandardError.write("b24lua: cannot cache the refreshed tokens: \(error.message)\n")
            }
        }
        return result
    }

    /// An open-file-description lock on the `.lock` file (SharedLimitFile.setLock: tried without
    /// waiting), tried again after pauses that double up to 50 ms.
    private func lock(patience: Duration) async throws(B24Error) -> Int32 {
        let path = try safeBase(create: true) + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .configError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        var lk = flock()
        lk.l_type = Int16(F_WRLCK)
        lk.l_whence = Int16(SEEK_SET)
        let start = ContinuousClock.now
        var pause = Duration.milliseconds(1)
        while fcntl(fd, SharedLimitFile.setLock, &lk) != 0 {
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EACCES else {
                close(fd)
                throw .configError("cannot lock \(path): \(String(cString: strerror(e)))")
            }
            guard !Task.isCancelled, ContinuousClock.now - start < patience else {
                close(fd)
                throw .configError("\(path) is locked by another process for over \(patience.components.seconds) s")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
        return fd
    }

    private func unlock(_ fd: Int32) {
        close(fd)  // closing the descriptor releases its lock
    }

    /// Temporary file beside `path` (0600), written, fsynced, renamed over `path`, and the
    /// directory fsynced; every step checked.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(B24Error) {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .configError("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = String(cString: strerror(errno))
                close(fd); unlink(tmp)
                throw .configError("cannot write \(tmp): \(why)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd); unlink(tmp)
            throw .configError("cannot write \(tmp): \(why)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw .configError("cannot replace \(path): \(why)")
        }
        let dir = open(FilePaths.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}
