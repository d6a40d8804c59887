import Foundation
import Glibc
import Testing

/// A portal that cannot be reached is reported soon, and named (README "The REST client",
/// "Retries"): a refused connection (a typo in the port) is not waited on like a timeout.
@Suite struct UnreachablePortalTests {
    /// A loopback port nothing listens on: bound by this process, then closed.
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func aRefusedConnectionIsReportedSoon() async throws {
        let dir = try Binary.temporaryDirectory()
        let port = try Self.closedPort()
        // The bound is on a hang: a refused connection used to take 65 s of retries.
        let r = try await Binary.b24luaAsync(
            ["--webhook", "http://127.0.0.1:\(port)/rest/1/abcdefgh12345/", "-e", "b24.call('user.current')"],
            environment: ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("NETWORK_ERROR"), "\(r.stderr)")
        #expect(r.stderr.lowercased().contains("connection refused"), "names the problem: \(r.stderr)")
        #expect(r.stderr.contains("127.0.0.1:\(port)"), "and the portal: \(r.stderr)")
        #expect(!r.stderr.contains("abcdefgh12345"), "the webhook code stays secret: \(r.stderr)")
    }

    /// A loopback port whose accept queue is full: the kernel drops further connection attempts
    /// (SYNs) without an answer, as a host behind a firewall that drops packets does. The
    /// descriptors stay open while the test runs.
    static func silentPort() throws -> (port: UInt16, descriptors: [Int32]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EBADF) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        var descriptors = [listener]
        for _ in 0..<8 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, length) }
            }
            descriptors.append(c)
        }
        return (UInt16(bigEndian: address.sin_port), descriptors)
    }

    @Test func aPortalThatNeverAnswersIsReportedSoon() async throws {
        let dir = try Binary.temporaryDirectory()
        let (port, descriptors) = try Self.silentPort()
        defer { descriptors.forEach { close($0) } }
        // Two tries of the 3 s connect timeout; the bound is on a hang (it was 6 tries of 10 s).
        let r = try await Binary.b24luaAsync(
            ["--webhook", "http://127.0.0.1:\(port)/rest/1/abcdefgh12345/", "-e", "b24.call('user.current')"],
            environment: ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("TIMEOUT") && r.stderr.contains("could not connect to http://127.0.0.1:\(port)"),
                "\(r.stderr)")
        #expect(!r.stderr.contains("abcdefgh12345"))
    }
}

/// A retry wait longer than a second says on stderr what it waits for, once per wait, through
/// the redaction; `--quiet` keeps it silent, as it keeps progress bars.
@Suite struct RetryNoticeTests {
    /// Four 500s: the waits before attempts 2 to 4 are at most 0.25, 0.5 and 1 s; before the
    /// fifth, 1 to 2 s.
    func run(_ extra: [String]) async throws -> ProcessResult {
        let dir = try Binary.temporaryDirectory()
        let sandbox = try await LiveSandbox.start()
        await sandbox.queueFaults(#"{"faults": [{"status": 500}, {"status": 500}, {"status": 500}, {"status": 500}], "method": "user.current"}"#)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL] + extra
                                             + ["-e", "print(b24.call('user.current').ID)"],
                                             environment: ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path])
        await sandbox.stop()
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    @Test func aLongRetryWaitIsTold() async throws {
        let r = try await run([])
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("trying again in") }
        #expect(lines.count == 1, "only the wait over a second: \(r.stderr)")
        #expect(lines.first?.contains("INTERNAL_SERVER_ERROR (500) user.current") == true, "\(r.stderr)")
        #expect(lines.first?.contains("(attempt 5 of 6)") == true, "\(r.stderr)")
        let code = r.stderr.components(separatedBy: "/rest/").count > 1
        #expect(!code, "no webhook path: \(r.stderr)")
    }

    @Test func quietKeepsItSilent() async throws {
        let r = try await run(["--quiet"])
        #expect(!r.stderr.contains("trying again"), "\(r.stderr)")
    }

    /// The notice quotes the portal's (or a proxy's) error text: its control characters are
    /// shown escaped (TerminalText), so an answer cannot retitle the terminal, clear it, or
    /// split the notice into a forged line of b24lua's own. The uncaught error that ends the
    /// run keeps its lines (a Lua message may have several) but carries no escape either.
    @Test func aHostileErrorTextReachesTheTerminalInert() async throws {
        let dir = try Binary.temporaryDirectory()
        let sandbox = try await LiveSandbox.start()
        let text = #""boom\u001b]0;pwned\u0007\u001b[2J\u009b31m\nb24lua: forged line""#
        let fault = #"{"status": 500, "error_description": \#(text)}"#
        await sandbox.queueFaults(#"{"faults": [\#(Array(repeating: fault, count: 6).joined(separator: ", "))], "method": "user.current"}"#)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "-e", "b24.call('user.current')"],
                                             environment: ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path])
        await sandbox.stop()
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("trying again in"), "\(r.stderr)")
        #expect(r.stderr.contains("boom\\u{1B}]0;pwned"), "shown, escaped: \(r.stderr.debugDescription)")
        for bad: Unicode.Scalar in ["\u{1B}", "\u{07}", "\u{9B}"] {
            #expect(!r.stderr.unicodeScalars.contains(bad), "U+\(String(bad.value, radix: 16)): \(r.stderr.debugDescription)")
        }
        // The notice is one line; the final error keeps a Lua message's lines, inert.
        #expect(!r.stderr.contains("\nb24lua: forged line; trying again"), "\(r.stderr.debugDescription)")
    }

    /// On a terminal a progress bar may be drawn on the current line (`\r`, no newline): the
    /// notice clears that line first and ends with a newline, so the bar is drawn again below it.
    @Test func onATerminalTheNoticeClearsTheLineFirst() async throws {
        let home = try Binary.temporaryDirectory()
        let sandbox = try await LiveSandbox.start()
        await sandbox.queueFaults(#"{"faults": [{"status": 500}, {"status": 500}, {"status": 500}, {"status": 500}], "method": "user.current"}"#)
        let tty = try PseudoTerminal([try PseudoTerminal.binary(), "--webhook", sandbox.webhookURL, "-e",
                                      "b24.call('user.current') print('done')"],
                                     environment: ["HOME": home.path, "XDG_RUNTIME_DIR": home.path, "TERM": "xterm"])
        try await tty.expect("done")
        let raw = tty.rawTranscript
        #expect(raw.contains("\r\u{1B}[Kb24lua: b24: INTERNAL_SERVER_ERROR (500) user.current"), "\(raw.debugDescription)")
        #expect(await tty.waitForExit() == 0)
        await sandbox.stop()
    }
}
