import ArgumentParser
import B24
import B24Run
import B24Sandbox
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `b24lua snapshot [portal options] -o FILE`: copies a portal's chat structure into a sandbox
/// data set (docs/snapshot.md). Reads only; resumable; the file is written whole or not at all.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Copy a portal's users, lines, CRM chats and their members into a sandbox data set.",
        discussion: """
            Reads only, 50 commands a request, within the rate limit shared per portal. An \
            interrupted snapshot goes on from FILE.checkpoint when run again. Rehearse a script on \
            the copy with: b24lua --sandbox=FILE --save-state AFTER.json script.lua; then \
            b24lua diff FILE AFTER.json.
            """)

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The data set to write.", valueName: "FILE"))
    var output: String?
    @Option(help: ArgumentHelp("CRM entity types to copy (default: all four).", valueName: "lead,deal,contact,company"))
    var entities: String?
    @Option(help: ArgumentHelp("A crm.item.list filter for the entities, as JSON.", valueName: "JSON"))
    var filter: String?
    @Flag(help: "Replace people's names and entity titles with pseudonyms made from their ids.")
    var anonymize = false
    @Flag(help: "Ignore a checkpoint left by an interrupted snapshot and start over.")
    var fresh = false

    @OptionGroup(title: "Portal options")
    var portal: B24Flags

    func validate() throws {
        guard let output, !output.isEmpty else { throw ValidationError("where to? (b24lua snapshot -o FILE)") }
        do throws(UsageError) {
            try portal.refuseScriptRunOptions(in: "snapshot")
            _ = try request()
        } catch { throw ValidationError(error.description) }
    }

    func request() throws(UsageError) -> SnapshotRequest {
        SnapshotRequest(types: try entities.map(SnapshotRequest.types) ?? CRMEntityType.allCases,
                        filter: try filter.map(SnapshotRequest.filter), anonymize: anonymize)
    }

    func run() async throws {
        let flags = portal
        let request: SnapshotRequest
        do throws(UsageError) { request = try self.request() } catch { throw ValidationError(error.description) }
        let output = self.output!
        let checkpoint = Snapshot.checkpointPath(for: output)
        let progress = ProgressLine.onTerminal(quiet: flags.quiet)
        let environment = ProcessInfo.processInfo.environment
        let fresh = self.fresh
        let result = await CancellableWork.run(timeout: flags.timeout) { () async throws(SnapshotError) -> SandboxDataSet in
            try await SnapshotRun.take(flags: flags, environment: environment, request: request, checkpointPath: checkpoint,
                                       fresh: fresh, progress: progress, notice: { Self.say($0) })
        }
        switch result {
        case .success(let data):
            do throws(B24Error) {
                try DataSetFile.write(data.fixture(), to: output)
            } catch {
                Self.say("cannot write \(output): \(error.message); the answers stay in \(checkpoint)")
                try ExitStatus.scriptError.end()
            }
            try? FileManager.default.removeItem(atPath: checkpoint)
            let members = data.chats.reduce(0) { $0 + $1.members.count }
            print("snapshot of \(data.portal): \(data.users.count) users, \(data.lines.count) lines, "
                  + "\(data.entities.count) entities with \(data.chats.count) chats, \(members) memberships -> \(output)")
        case .failure(let e):
            var text = e.message
            if e.reason == .failed, FileManager.default.fileExists(atPath: checkpoint) {
                text += "; what was read is kept in \(checkpoint): run the same command again to go on"
            }
            Self.say(text)
            try e.reason.exitStatus.end()
        }
    }

    static func say(_ text: String) {
        // The portal's error texts are its own: no control character reaches the terminal.
        StandardError.write("b24lua snapshot: \(TerminalText.escaped(Redaction.redact(text)))\n")
    }
}
