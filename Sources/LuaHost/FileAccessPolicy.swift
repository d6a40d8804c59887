import CLuaSupport
import Glibc

/// Which files a script under `--safe` may open: reading below `readable` (and `writable`)
/// directories, writing below `writable` ones. What counts is the object finally opened, not
/// the name: each path is resolved by the kernel beneath an allowed directory's descriptor, so
/// no link or `..` leads out of it; a file is never created through a link, a file with other
/// hard links is never written, only regular files and directories are opened, and nothing on
/// /proc, /sys or /dev (docs/lua-host.md, "--safe: running a script someone else wrote").
public final class FileAccessPolicy: Sendable {
    struct Root: Sendable {
        /// Resolved (realpath), so that a name can be matched against it.
        let path: String
        /// Opened once, at the start: what the directory is cannot change under the script.
        let descriptor: Int32
    }

    let readable: [Root]
    let writable: [Root]
    /// Resolve by the walk even where the kernel has openat2 (tests of the fallback).
    let walkOnly: Bool

    static let forbidden = ["/proc", "/sys", "/dev"]

    /// Directories that do not exist, or lie under /proc, /sys or /dev, are dropped.
    public init(readable: [String], writable: [String], walkOnly: Bool = false) {
        self.readable = readable.compactMap(Self.root)
        self.writable = writable.compactMap(Self.root)
        self.walkOnly = walkOnly
    }

    deinit {
        for root in readable + writable { close(root.descriptor) }
    }

    /// The resolved directories (for messages and tests).
    public var readableDirectories: [String] { readable.map(\.path) }
    public var writableDirectories: [String] { writable.map(\.path) }

    static func root(_ path: String) -> Root? {
        guard let resolved = resolvedExisting(path),
              !forbidden.contains(where: { isBelow(resolved, $0) }) else { return nil }
        let fd = b24lua_open_directory(resolved)
        return fd < 0 ? nil : Root(path: resolved, descriptor: fd)
    }

    /// Opens `path` as `mode` says if the policy allows it: the descriptor, which the caller owns.
    public func open(_ path: String, mode: FileOpenMode) -> FileOpening {
        let shown = "'\(path)'"
        guard !path.utf8.contains(0) else { return .refused(.policy("--safe: \(shown) contains a NUL byte")) }
        guard !path.isEmpty else { return .refused(FileRefusal(code: ENOENT, path: path)) }
        let roots = mode.writes ? writable : writable + readable
        var escaped = false
        let names = Self.candidates(path)
        for name in names {
            for root in roots {
                guard let rel = Self.relative(name, below: root.path) else { continue }
                var fd: Int32 = -1
                let code = b24lua_safe_open(root.descriptor, rel, mode.access, mode.append ? 1 : 0, mode.create ? 1 : 0,
                                            mode.truncate ? 1 : 0, walkOnly ? 1 : 0, &fd)
                if code == 0 { return .opened(fd) }
                if code == EXDEV { escaped = true; continue }  // another root or name may hold it
                return .refused(FileRefusal(code: code, path: path))
            }
        }
        if escaped {
            return .refused(.policy("--safe: \(shown) leads out of the allowed directories (through a link or '..')"))
        }
        if names.contains(where: { name in Self.forbidden.contains { Self.isBelow(name, $0) } }) {
            return .refused(.policy("--safe: \(shown) is under /proc, /sys or /dev, which are never opened"))
        }
        return .refused(.policy(mode.writes
            ? "--safe: \(shown) is not below a --allow-write directory"
            : "--safe: \(shown) is not below the script's directory or a --allow-read directory"))
    }

    /// The names `path` is tried by, each absolute: as given (relative to the working
    /// directory), then with its directory resolved, so that a path through a link outside the
    /// allowed directories (`/tmp` on some systems) still finds the allowed directory it
    /// reaches. Either way the file is then opened beneath an allowed directory's descriptor:
    /// the names only choose which one.
    static func candidates(_ path: String) -> [String] {
        let absolute: String
        if path.hasPrefix("/") {
            absolute = path
        } else if let cwd = workingDirectory() {
            absolute = (cwd == "/" ? "" : cwd) + "/" + path
        } else {
            return []  // the working directory is gone: a relative name names nothing
        }
        guard let resolved = resolvedParent(absolute), resolved != absolute else { return [absolute] }
        return [absolute, resolved]
    }

    /// `path` relative to `root`, or nil when it is not lexically below it.
    static func relative(_ path: String, below root: String) -> String? {
        if root == "/" { return String(path.drop { $0 == "/" }) }
        if path == root { return "." }
        guard path.hasPrefix(root + "/") else { return nil }
        return String(path.dropFirst(root.count + 1))
    }

    static func isBelow(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    static func workingDirectory() -> String? {
        guard let p = getcwd(nil, 0) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func resolvedExisting(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The path with its directory resolved and its last name kept (it may be a link, or not
    /// exist yet); a path ending in `.` or `..` resolved whole.
    static func resolvedParent(_ path: String) -> String? {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let name = String(trimmed[trimmed.index(after: slash)...])
        if name.isEmpty || name == "." || name == ".." { return resolvedExisting(trimmed) }
        let parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
        guard let dir = resolvedExisting(parent) else { return nil }
        return (dir == "/" ? "" : dir) + "/" + name
    }
}

/// fopen's mode, as io.open accepts it (`[rwa]%+?b*`).
public struct FileOpenMode: Sendable, Equatable {
    /// O_RDONLY, O_WRONLY or O_RDWR.
    public let access: Int32
    public let append: Bool
    public let create: Bool
    public let truncate: Bool
    /// The mode as given, for fdopen.
    public let text: String

    public var writes: Bool { access != O_RDONLY }

    public init?(_ mode: String) {
        var bytes = Array(mode.utf8)[...]
        guard let first = bytes.popFirst(), [UInt8(ascii: "r"), UInt8(ascii: "w"), UInt8(ascii: "a")].contains(first) else {
            return nil
        }
        let plus = bytes.first == UInt8(ascii: "+")
        if plus { bytes = bytes.dropFirst() }
        guard bytes.allSatisfy({ $0 == UInt8(ascii: "b") }) else { return nil }
        text = mode
        switch first {
        case UInt8(ascii: "r"): (access, append, create, truncate) = (plus ? O_RDWR : O_RDONLY, false, false, false)
        case UInt8(ascii: "w"): (access, append, create, truncate) = (plus ? O_RDWR : O_WRONLY, false, true, true)
        default: (access, append, create, truncate) = (plus ? O_RDWR : O_WRONLY, true, true, false)
        }
    }
}

/// What `FileAccessPolicy.open` did: a descriptor, or why not (io.open's `nil, message, errno`).
public enum FileOpening: Sendable, Equatable {
    case opened(Int32)
    case refused(FileRefusal)
}

/// Why a file was not opened: the policy's reason, or the system's (as io.open words it). A
/// reason io.open returns to the script, never thrown.
public struct FileRefusal: Sendable, Equatable {
    public let message: String
    /// The errno io.open returns third: the system's, or EACCES for the policy's refusals.
    public let code: Int32
    /// Refused by --safe (not by the system).
    public let byPolicy: Bool

    static func policy(_ message: String) -> FileRefusal {
        FileRefusal(message: message, code: EACCES, byPolicy: true)
    }

    public init(message: String, code: Int32, byPolicy: Bool) {
        self.message = message
        self.code = code
        self.byPolicy = byPolicy
    }

    /// A code of `b24lua_safe_open`.
    init(code: Int32, path: String) {
        let shown = "'\(path)'"
        switch code {
        case B24LUA_SAFE_DANGLING:
            self = .policy("--safe: \(shown) is a link to nothing; --safe never creates a file through a link")
        case B24LUA_SAFE_LINKED:
            self = .policy("--safe: \(shown) has other hard links, which writing would change too; --safe writes only files with one link")
        case B24LUA_SAFE_SPECIAL:
            self = .policy("--safe: \(shown) is not a regular file or directory, or is on /proc, /sys or /dev; --safe opens neither")
        default:
            self.init(message: "\(path): \(String(cString: strerror(code)))", code: code, byPolicy: false)
        }
    }
}
