import ArgumentParser
import B24
import B24Wire
import B24Run
import B24Sandbox
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// `b24lua sandbox serve|dump` (README "The sandbox portal"), run by `SubcommandRun`.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run or inspect the embedded sandbox portal.",
        subcommands: [Serve.self, Dump.self]
    )
}

extension SandboxOptions.Plan: ExpressibleByArgument {}

/// Reads `--data` (or the default data set).
func loadSandboxDataSet(_ path: String?) throws -> SandboxDataSet {
    guard let path else { return .default }
    guard let bytes = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read fixture \(path)")
    }
    do {
        return try SandboxDataSet(fixture: try JSONValue.parse(Array(bytes)))
    } catch {
        throw ValidationError("\(path): \(error)")
    }
}

extension SandboxCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the sandbox portal over HTTP until interrupted.",
            discussion: "Prints the webhook URL it accepts on the first line of stdout.")

        @Option(help: "Address to bind (loopback by default).") var host = "127.0.0.1"
        @Option(help: "Port to bind (0-65535); 0 picks a free one.") var port = 8024
        @Option(help: "Fixture JSON with the data set (default: the built-in data set).") var data: String?
        @Option(help: ArgumentHelp("Rate-limit preset: \(RateLimitPlan.presetSummary)."))
        var plan: SandboxOptions.Plan?
        @Option(help: "Leaky-bucket drain, requests per second (overrides the plan).") var rate: Double?
        @Option(help: "Leaky-bucket threshold (overrides the plan).") var burst: Double?
        @Option(name: .customLong("operating-limit"), help: "Per-method time budget in seconds per 10 minutes; 0 = off.")
        var operatingLimit: Double?
        @Option(name: .customLong("processing-ms"), help: "Simulated time each method call takes, in ms.")
        var processingMs: Double?
        @Option(name: .customLong("token-ttl"), help: "OAuth access-token lifetime in seconds.") var tokenTTL: Double?
        @Option(name: .customLong("latency-ms"), help: "Delay added to every REST answer, in ms.") var latencyMs: Double?
        @Option(name: .customLong("fault-rate"), help: "Probability (0-1) of a random 500, 503 or dropped connection.")
        var faultRate: Double?

        /// Every number within its range before anything starts (SandboxOptions.ranges).
        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be in [0, 65535]") }
            do { _ = try flagged(SandboxOptions()).checked(asFlags: true) } catch { throw ValidationError(error.message) }
        }

        /// The flags laid over `o`.
        func flagged(_ base: SandboxOptions) -> SandboxOptions {
            var o = base
            if let plan { o.plan = plan; o.rate = nil; o.burst = nil }
            if let rate { o.rate = rate }
            if let burst { o.burst = burst }
            if let operatingLimit { o.operatingLimit = operatingLimit }
            if let processingMs { o.processingMs = processingMs }
            if let tokenTTL { o.tokenTTL = tokenTTL }
            if let latencyMs { o.latencyMs = latencyMs }
            if let faultRate { o.faultRate = faultRate }
            return o
        }

        /// Defaults, then the fixture's "limits", then flags.
        func options(_ dataSet: SandboxDataSet) throws -> SandboxOptions {
            do { return try flagged(try SandboxOptions().applying(fixtureLimits: dataSet.limits)).checked(asFlags: true) } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() async throws {
            let dataSet = try loadSandboxDataSet(data)
            let portal = SandboxPortal(dataSet: dataSet, options: try options(dataSet))
            TerminationSignal.install()
            let server: RunningSandbox
            do {
                server = try await SandboxServer.start(portal: portal, host: host, port: port)
            } catch let error as SandboxServer.StartError where error.addressInUse {
                // Said plainly, with the way out, instead of the socket call's own wording.
                StandardError.write("""
                    b24lua sandbox: cannot serve: \(error.description) (another sandbox serve, or another program, \
                    holds it); choose another with --port N, or --port 0 for a free one

                    """)
                throw ExitCode(ExitStatus.scriptError.rawValue)
            }
            print("b24lua sandbox: serving \(server.webhookURL)")
            if let token = server.hooksToken {
                print("b24lua sandbox: /_sandbox/* hooks need the header \(SandboxServer.hooksTokenHeader): \(token)")
            }
            StandardError.write("""
                b24lua sandbox: portal \(dataSet.portal), OAuth at \(server.baseURL)/rest/ and \(server.baseURL)/oauth/token/, \
                test hooks at \(server.baseURL)/_sandbox/; Ctrl-C stops

                """)
            fflush(nil)
            await TerminationSignal.wait()
            await server.stop()
        }
    }

    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the sandbox data set as fixture JSON.")

        @Option(help: "Fixture JSON to read and check (default: the built-in data set).") var data: String?
        @Option(help: ArgumentHelp("Instead, a made-up portal of N CRM entities with their chats (for measurements).",
                                   valueName: "N"))
        var generated: Int?

        func validate() throws {
            if let generated, !(1...1_000_000).contains(generated) {
                throw ValidationError("--generated must be in [1, 1000000], got \(generated)")
            }
            if generated != nil, data != nil { throw ValidationError("--data or --generated, not both") }
        }

        func run() async throws {
            if let generated {
                print(DataSetFile.pretty(SandboxDataSet.generated(entities: generated).fixture()))
                return
            }
            print(PrettyJSON.format(try loadSandboxDataSet(data).fixture()))
        }
    }
}

/// Waits for SIGINT or SIGTERM (the server then stops cleanly and the command exits 0). The
/// handlers are installed before the server starts and prints its URL: a signal sent as soon as
/// the URL is read must not find the default action, or be discarded as ignored.
enum TerminationSignal {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    private static let state = NIOLock()
    nonisolated(unsafe) private static var fired = false
    nonisolated(unsafe) private static var waiter: CheckedContinuation<Void, Never>?

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let resume = state.withLock { () -> CheckedContinuation<Void, Never>? in
                    fired = true
                    defer { waiter = nil }
                    return waiter
                }
                resume?.resume()
            }
            source.resume()
            sources.append(source)
        }
    }

    static func wait() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let already = state.withLock { () -> Bool in
                if !fired { waiter = done }
                return fired
            }
            if already { done.resume() }
        }
    }
}

/// Indented JSON for humans (`sandbox dump`); short arrays of scalars stay on one line.
enum PrettyJSON {
    static func format(_ v: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch v {
        case .array(let a) where a.isEmpty: return "[]"
        case .array(let a) where a.allSatisfy({ $0.arrayValue == nil && $0.objectValue == nil }):
            return v.serialized()
        case .array(let a):
            return "[\n" + a.map { inner + format($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let o) where o.isEmpty: return "{}"
        case .object(let o) where o.count <= 6 && o.allSatisfy({ $0.value.objectValue == nil && ($0.value.arrayValue?.count ?? 0) <= 8 }):
            return v.serialized()
        case .object(let o):
            return "{\n" + o.map { inner + JSONValue.string($0.key).serialized() + ": " + format($0.value, indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default: return v.serialized()
        }
    }
}
