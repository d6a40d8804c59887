import Foundation
import Glibc

// What the runners of child processes share (docs/testing.md): a child is reaped by a thread of
// its own, its output is read by threads of their own, and a test awaits them through
// continuations, so no thread of Swift's cooperative pool ever blocks on a child. The pool has
// as many threads as the machine has cores, and the in-process servers and every other test
// of the parallel run need them.

/// A value set once, by any thread; awaited (with a bound) or waited for.
final class Latch<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?
    private var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
    private var nextWaiter = 0

    /// Sets the value (the first call wins) and wakes every waiter.
    func set(_ newValue: Value) {
        condition.lock()
        guard value == nil else { condition.unlock(); return }
        value = newValue
        let woken = waiters
        waiters = [:]
        condition.broadcast()
        condition.unlock()
        for (_, waiter) in woken { waiter.resume(returning: newValue) }
    }

    /// The value if it is set.
    var current: Value? {
        condition.lock()
        defer { condition.unlock() }
        return value
    }

    /// The value, or nil when it is not set within `seconds`; the awaiting task is suspended,
    /// its thread free.
    func value(within seconds: Double) async -> Value? {
        await withCheckedContinuation { (waiter: CheckedContinuation<Value?, Never>) in
            condition.lock()
            if let value {
                condition.unlock()
                waiter.resume(returning: value)
                return
            }
            let id = nextWaiter
            nextWaiter += 1
            waiters[id] = waiter
            condition.unlock()
            guard seconds.isFinite else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { [self] in
                condition.lock()
                let expired = waiters.removeValue(forKey: id)
                condition.unlock()
                expired?.resume(returning: nil)
            }
        }
    }

    /// The value, blocking the calling thread for at most `seconds` (for the blocking runners).
    func wait(within seconds: Double) -> Value? {
        let deadline = Date().addingTimeInterval(seconds.isFinite ? seconds : 1e9)
        condition.lock()
        defer { condition.unlock() }
        while value == nil, condition.wait(until: deadline) {}
        return value
    }
}

/// How a child ended, as `wait4` tells it.
struct ChildStatus: Sendable {
    /// The raw wait status.
    var raw: Int32
    /// Peak resident set size, KiB.
    var maxRSSKiB: Int

    var exited: Bool { (raw & 0x7f) == 0 }
    /// The exit status, nil when a signal ended the child.
    var exitStatus: Int32? { exited ? (raw >> 8) & 0xff : nil }
    /// The signal that ended the child, if one did.
    var signal: Int32? { exited ? nil : raw & 0x7f }
}

/// Reaps one child on a dedicated thread (a blocking `wait4` on its pid only, so children of
/// Foundation's `Process` are left to it).
final class ChildReaper: Sendable {
    let pid: pid_t
    let ending = Latch<ChildStatus>()

    init(pid: pid_t) {
        self.pid = pid
        let ending = self.ending
        let thread = Thread {
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 {
                guard errno == EINTR else {
                    // Not ours to reap (never expected): reported as "signal 127", not as an exit.
                    ending.set(ChildStatus(raw: 0x7f, maxRSSKiB: 0))
                    return
                }
            }
            ending.set(ChildStatus(raw: status, maxRSSKiB: Int(usage.ru_maxrss)))
        }
        thread.name = "reaper \(pid)"
        thread.stackSize = 64 << 10
        thread.start()
    }

    /// The ending within `seconds`; past them the child is sent `signal`, and after `grace`
    /// more seconds SIGKILL. `killed` says whether it had to be signalled.
    func ending(within seconds: Double, signal: Int32 = SIGKILL, grace: Double = 5) async
        -> (status: ChildStatus, killed: Bool)
    {
        if let status = await ending.value(within: seconds) { return (status, false) }
        kill(pid, signal)
        if signal != SIGKILL, let status = await ending.value(within: grace) { return (status, true) }
        kill(pid, SIGKILL)
        return (await ending.value(within: .infinity)!, true)
    }

    /// The same, blocking the calling thread.
    func waitForEnding(within seconds: Double, signal: Int32 = SIGKILL, grace: Double = 5)
        -> (status: ChildStatus, killed: Bool)
    {
        if let status = ending.wait(within: seconds) { return (status, false) }
        kill(pid, signal)
        if signal != SIGKILL, let status = ending.wait(within: grace) { return (status, true) }
        kill(pid, SIGKILL)
        return (ending.wait(within: .infinity)!, true)
    }
}

/// Reads a file descriptor to its end on a dedicated thread, then closes it.
final class DrainedOutput: Sendable {
    private let collected = Latch<Data>()
    private let partial = LockedValue(Data())

    init(fd: Int32, name: String) {
        let collected = self.collected, partial = self.partial
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    partial.withLock { $0.append(contentsOf: buffer[..<n]) }
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(fd)
            collected.set(partial.withLock { $0 })
        }
        thread.name = name
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Everything, once the writer closed its end; what came so far after `seconds` (a
    /// grandchild may hold the pipe open).
    func text(within seconds: Double) async -> String {
        let data = await collected.value(within: seconds) ?? partial.withLock { $0 }
        return String(decoding: data, as: UTF8.self)
    }

    /// What came so far.
    var textSoFar: String { String(decoding: partial.withLock { $0 }, as: UTF8.self) }

    func waitForText(within seconds: Double) -> String {
        let data = collected.wait(within: seconds) ?? partial.withLock { $0 }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A value behind a lock.
final class LockedValue<State: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State
    init(_ state: State) { self.state = state }
    func withLock<R>(_ body: (inout State) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }
}

/// At most this many short-lived children run at once. The waits no longer hold pool threads,
/// so without a bound every test of the run would start its child at the same moment; two
/// per core keeps the machine busy without starving a child into its time limit.
actor ChildSlots {
    static let shared = ChildSlots(
        ProcessInfo.processInfo.environment["B24LUA_TEST_CHILDREN"].flatMap(Int.init)
            ?? max(2, 2 * ProcessInfo.processInfo.activeProcessorCount))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(1, count) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` holding a slot.
    static func withSlot<T>(_ body: () async throws -> T) async rethrows -> T {
        await shared.acquire()
        do {
            let value = try await body()
            await shared.release()
            return value
        } catch {
            await shared.release()
            throw error
        }
    }
}

/// posix_spawn as a shell would start a program: default signal dispositions, nothing blocked,
/// `environment` added to this process's, in `directory` when given. `files` sets up the
/// child's descriptors.
enum Spawn {
    static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                      directory: URL?, files: (inout posix_spawn_file_actions_t) -> Void) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        files(&actions)
        closeTheRest(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        // `env -C DIR` changes directory (glibc's addchdir_np is not visible to Swift); env
        // execs the program, so the pid, signals and usage are still the program's.
        let command = directory.map { ["/usr/bin/env", "-C", $0.path, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return child
    }

    /// The child keeps only its standard streams: a descriptor another test opened without
    /// close-on-exec (or just before setting it) must not stay open in an unrelated child, where
    /// it would keep a pipe from its EOF or its SIGPIPE.
    static func closeTheRest(_ actions: inout posix_spawn_file_actions_t) {
        _ = b24lua_test_addclosefrom(&actions, 3)
    }

    /// A pipe whose ends are close-on-exec, so that children spawned in parallel by other
    /// tests do not inherit them (an inherited write end would keep a reader from its EOF).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard b24lua_test_pipe2(&fds, O_CLOEXEC) == 0 else { throw POSIXError(.EIO) }
        return (fds[0], fds[1])
    }
}

/// glibc's pipe2, which the Glibc module does not export: both ends close-on-exec atomically,
/// with no window for a child spawned by another thread to inherit them.
@_silgen_name("pipe2")
private func b24lua_test_pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), not exported by the Glibc module.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func b24lua_test_addclosefrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
