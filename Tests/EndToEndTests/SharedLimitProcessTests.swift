import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// Several b24lua processes against one portal share its bucket (docs/shared-limit.md): together
/// they never make it refuse, and one killed mid-run leaves the others going.
@Suite(.serialized) struct SharedLimitProcessTests {
    let dir: URL
    init() throws { dir = try Binary.temporaryDirectory() }

    /// A portal with a small bucket (20/s, burst 20), served by a child process: an in-process
    /// server shares this process's threads with the tests, and its late counting would blur
    /// what the bucket sees.
    final class ServedPortal: @unchecked Sendable {
        let process: SpawnedProcess
        let webhookURL: String
        let base: String

        init() async throws {
            process = try SpawnedProcess(Binary.b24lua, ["sandbox", "serve", "--port", "0", "--rate", "20", "--burst", "20"])
            #expect(await process.waitForOutput("serving http"))
            let line = process.stdoutSoFar.split(separator: "\n").first { $0.contains("serving http") } ?? ""
            webhookURL = String(line.split(separator: " ").last ?? "")
            base = webhookURL.components(separatedBy: "/rest/").first ?? ""
        }

        /// `stats.by_status[status]` of `GET /_sandbox/state`.
        func responses(_ status: String) async throws -> Int64 {
            let r = try await SpawnedProcess.run("/usr/bin/curl", ["-sS", base + "/_sandbox/state"])
            let state = try JSONValue.parse(r.stdout)
            return state["stats"]?["by_status"]?[status]?.intValue ?? 0
        }

        /// A test that throws before `stop()` leaves no server behind.
        deinit { process.send(SIGKILL) }

        func stop() async {
            process.send(SIGTERM)
            _ = await process.wait(limit: 10)
        }
    }

    static let calls = "for i = 1, 25 do b24.call('user.current') end print('done')"

    func run(_ sandbox: ServedPortal, _ extra: [String] = []) async throws -> ProcessResult {
        try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--plan", "20/20"] + extra + ["-e", Self.calls],
                                     environment: ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path])
    }

    /// `count` runs started together; their results once all have ended.
    func together(_ count: Int, _ sandbox: ServedPortal) async throws -> [ProcessResult] {
        try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<count { group.addTask { try await run(sandbox) } }
            var all: [ProcessResult] = []
            for try await r in group { all.append(r) }
            return all
        }
    }

    @Test(arguments: [2, 4])
    func processesTogetherNeverOverrunTheBucket(_ count: Int) async throws {
        let sandbox = try await ServedPortal()
        let results = try await together(count, sandbox)
        for r in results { #expect(r.status == 0 && r.stdout == "done\n", "\(r.stderr)") }
        #expect(try await sandbox.responses("503") == 0)
        #expect(try await sandbox.responses("200") == Int64(25 * count))
        await sandbox.stop()
        // What they shared: one sealed file of the layout, 0600, its length as its header says.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("b24lua").path)
            .filter { $0.hasPrefix("limit-") }
        #expect(files.count == 1 && files.first?.hasSuffix(".v2") == true, "\(files)")
        let path = dir.appendingPathComponent("b24lua").appendingPathComponent(files.first ?? "").path
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        #expect(bytes.count >= 120 && Array(bytes.prefix(4)) == Array("B24L".utf8))
        #expect(bytes.count >= 44 && Int(bytes[40]) | Int(bytes[41]) << 8 == bytes.count)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aGarbledFileIsStartedAfreshWithOneWarning() async throws {
        let sandbox = try await ServedPortal()
        let limits = dir.appendingPathComponent("b24lua")
        try FileManager.default.createDirectory(at: limits, withIntermediateDirectories: true)
        _ = try await run(sandbox)  // names the file
        let name = try FileManager.default.contentsOfDirectory(atPath: limits.path).first { $0.hasPrefix("limit-") } ?? ""
        try Data("{\"v\":1,\"state\":{}}".utf8).write(to: limits.appendingPathComponent(name))
        // Afresh is an empty bucket: let the portal's drain too (20 at 20/s), or it would refuse.
        try await Task.sleep(for: .seconds(1.5))
        let results = try await together(2, sandbox)
        for r in results { #expect(r.status == 0 && r.stdout == "done\n", "\(r.stderr)") }
        let warnings = results.map { $0.stderr.components(separatedBy: "was unreadable").count - 1 }
        #expect(warnings.reduce(0, +) == 1, "the first to read it rewrites it; \(results.map(\.stderr))")
        #expect(try await sandbox.responses("503") == 0)
        await sandbox.stop()
    }

    @Test func withoutSharingTheyDo() async throws {
        let sandbox = try await ServedPortal()
        try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<4 { group.addTask { try await run(sandbox, ["--no-shared-limit"]) } }
            for try await r in group { #expect(r.status == 0, "\(r.stderr)") }
        }
        #expect(try await sandbox.responses("503") > 0, "the control: four private buckets overrun the portal's")
        await sandbox.stop()
    }

    @Test func aProcessKilledMidRunLeavesTheOthersGoing() async throws {
        let sandbox = try await ServedPortal()
        let env = ["XDG_RUNTIME_DIR": dir.path, "XDG_CONFIG_HOME": dir.path]
        let victim = try SpawnedProcess(Binary.b24lua, ["--webhook", sandbox.webhookURL, "--plan", "20/20", "-e",
                                                        "for i = 1, 1000 do b24.call('user.current') if i == 15 then print('ready') io.stdout:flush() end end"],
                                        environment: env)
        #expect(await victim.waitForOutput("ready"))
        victim.send(SIGKILL)
        _ = await victim.wait(limit: 10)
        let results = try await together(2, sandbox)
        for r in results { #expect(r.status == 0 && r.stdout == "done\n", "\(r.stderr)") }
        #expect(try await sandbox.responses("503") == 0)
        await sandbox.stop()
    }
}
