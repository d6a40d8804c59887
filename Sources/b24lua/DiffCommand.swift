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

/// `b24lua diff A.json B.json`: membership changes between two data sets, chat by chat
/// (docs/snapshot.md). Either side may be a live portal, named by the portal options and taken
/// as a snapshot on the fly; it stands where its options stand on the command line. Exit 0
/// when they are equal, 1 when they differ.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Print the membership changes between two data sets (exit 0: equal, 1: they differ).",
        discussion: """
            A data set is a snapshot, a --save-state file, a fixture or a saved /_sandbox/state. \
            With one file, the other side is the live portal the portal options (or the \
            environment, or config.toml) name: b24lua diff before.json --webhook-file W. \
            Nothing is printed when they are equal.
            """)

    @Argument(help: ArgumentHelp("Two data sets, or one and a portal.", valueName: "data-set"))
    var dataSets: [String] = []
    @Flag(help: "Machine-readable output.")
    var json = false
    @Option(help: ArgumentHelp("For a live portal: the CRM entity types to read.", valueName: "lead,deal,contact,company"))
    var entities: String?
    @Option(help: ArgumentHelp("For a live portal: a crm.item.list filter, as JSON.", valueName: "JSON"))
    var filter: String?
    /// Set by `arguments(_:)`: the portal options came before the data set.
    @Flag(name: .customLong(DiffCommand.liveFirstFlag), help: .hidden)
    var liveFirst = false

    @OptionGroup(title: "Portal options")
    var portal: B24Flags

    static let liveFirstFlag = "live-portal-first"
    static let portalChoices: Set<String> = ["--webhook", "--webhook-file", "--profile", "--sandbox"]

    /// Marks where a live portal stands: before the first data set when a portal option comes
    /// first. Which options take the next word is `B24Flags.span`'s answer, and diff's own.
    static func arguments(_ args: [String]) -> [String] {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { break }
            let name = String(a.prefix { $0 != "=" })
            if portalChoices.contains(name) { return ["--\(liveFirstFlag)"] + args }
            if let span = B24Flags.span(of: args, at: i) {
                i += span
                continue
            }
            if a.hasPrefix("-") {
                if ["--entities", "--filter"].contains(name) && !a.contains("=") { i += 1 }
            } else {
                return args
            }
            i += 1
        }
        return args
    }

    func validate() throws {
        guard (1...2).contains(dataSets.count) else {
            throw ValidationError("diff compares two data sets, or one and a portal (b24lua diff A.json B.json)")
        }
        do throws(UsageError) {
            let flags = portal
            try flags.refuseScriptRunOptions(in: "diff")
            if dataSets.count == 2, flags.webhook != nil || flags.webhookFile != nil || flags.profile != nil || flags.sandbox != nil {
                throw UsageError(description: "two data sets and a portal: compare two of them")
            }
            if let entities { _ = try SnapshotRequest.types(entities) }
            if let filter { _ = try SnapshotRequest.filter(filter) }
        } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let flags = portal
        let request: SnapshotRequest
        do throws(UsageError) {
            request = SnapshotRequest(types: try entities.map(SnapshotRequest.types) ?? CRMEntityType.allCases,
                                      filter: try filter.map(SnapshotRequest.filter))
        } catch { throw ValidationError(error.description) }

        var sides: [(label: String, data: SandboxDataSet)] = []
        for path in dataSets {
            do throws(B24Error) { sides.append((path, try DataSetFile.read(path))) } catch {
                Self.say(error.message)
                try ExitStatus.usage.end()
            }
        }
        if dataSets.count == 1 {
            let environment = ProcessInfo.processInfo.environment
            let progress = ProgressLine.onTerminal(quiet: flags.quiet)
            let live = await CancellableWork.run(timeout: flags.timeout) { () async throws(SnapshotError) -> SandboxDataSet in
                try await SnapshotRun.take(flags: flags, environment: environment, request: request, checkpointPath: nil,
                                           fresh: true, progress: progress, notice: { Self.say($0) })
            }
            switch live {
            case .success(let data):
                let side = (label: "portal \(data.portal)", data: data)
                if liveFirst { sides.insert(side, at: 0) } else { sides.append(side) }
            case .failure(let e):
                Self.say(e.message)
                try (e.reason == .failed ? ExitStatus.usage : e.reason.exitStatus).end()
            }
        }
        let diff = DataSetDiff(sides[0].data, sides[1].data)
        if json {
            print(diff.json(a: sides[0].label, b: sides[1].label).serialized())
        } else if !diff.isEmpty {
            // Names and titles are the portal's text: no control character reaches the terminal.
            for line in diff.lines() { print(TerminalText.escaped(line)) }
            print(diff.summary)
        }
        fflush(nil)
        if !diff.isEmpty { throw ExitCode(1) }
    }

    static func say(_ text: String) {
        StandardError.write("b24lua diff: \(TerminalText.escaped(Redaction.redact(text)))\n")
    }
}
