import Foundation
import Testing

/// Runs the built `b24lua` binary (or any program) as a user would, with bounded waiting.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var b24lua: String {
        let path = packageRoot.appendingPathComponent(".build/debug/b24lua").path
        return path
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24lua-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `executable` with `arguments`; kills it after `timeout` seconds.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:], directory: URL? = nil,
                    timeout: TimeInterval = 60) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        try input.fileHandleForWriting.close()
        let collected = Collected()
        let group = DispatchGroup()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                collected.set(data, isOut: isOut)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            _ = group.wait(timeout: .now() + 5)
            Issue.record("\(executable) \(arguments) did not finish in \(timeout) s")
        }
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: collected.out, stderr: collected.err)
    }

    static func b24lua(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                       directory: URL? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
        try run(b24lua, arguments, stdin: stdin, environment: environment, directory: directory, timeout: timeout)
    }
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()
    func set(_ d: Data, isOut: Bool) {
        lock.lock(); defer { lock.unlock() }
        if isOut { outData = d } else { errData = d }
    }
    var out: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outData, as: UTF8.self) }
    var err: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errData, as: UTF8.self) }
}

extension Binary {
    /// `b24lua(...)` off Swift's cooperative pool: tests that also run a sandbox server in-process
    /// must not block the threads its handlers need.
    static func b24luaAsync(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                            directory: URL? = nil, timeout: TimeInterval = 120) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try b24lua(arguments, stdin: stdin, environment: environment,
                                                              directory: directory, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
