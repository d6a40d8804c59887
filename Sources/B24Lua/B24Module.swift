import B24
import B24Wire
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// What the run gives the `b24` module: the portal, and how to treat writes.
public struct B24ModuleConfiguration {
    /// nil when no portal is usable; every call then raises `unavailable`.
    public var client: B24Client?
    public var unavailable: B24Error?
    public var portalHost: String?
    public var dryRun = false
    public var journal: Journal?
    /// `--resume JOURNAL`: the writes that journal shows done, not sent again.
    public var resume: ResumeLedger?
    /// `--yes`: `b24.confirm` answers true without asking.
    public var assumeYes = false
    /// Progress bars on stderr (a terminal, and not `--quiet`).
    public var progress = false
    /// `b24.confirm` may ask (stdin and stderr are a terminal).
    public var interactive = false
    /// Present only against the in-process sandbox.
    public var sandbox: SandboxAccess?

    public init(client: B24Client?, unavailable: B24Error? = nil, portalHost: String? = nil) {
        self.client = client
        self.unavailable = unavailable
        self.portalHost = portalHost
    }
}

/// `b24.sandbox`: read-only views of the in-process sandbox, for checking what a script did.
public struct SandboxAccess {
    public var members: (Int64) -> [Int64]?
    public var state: () -> JSONValue
    public init(members: @escaping (Int64) -> [Int64]?, state: @escaping () -> JSONValue) {
        self.members = members
        self.state = state
    }
}

/// The `b24` Lua module: Swift primitives (this file) under a Lua prelude (Resources/prelude.lua)
/// that builds the public API of README "A tour of b24" on them.
public final class B24Module {
    public let configuration: B24ModuleConfiguration
    /// The Lua thread's executor: every call and batch is waited for through it
    /// (docs/architecture.md, rule 3).
    public let executor = ThreadExecutor()
    /// `b24.each`'s batches started and not yet collected, by handle.
    private var inFlight: [Int: ThreadExecutor.Slot<Result<[BatchOutcome], B24Error>>] = [:]
    private var nextHandle = 1
    /// The dry run's plan, the first stage of every call under `--dry-run` (docs/call-pipeline.md).
    public let dryRun: DryRun?
    /// A `b24.each` run ended with failed items (exit status 3 unless the script exits itself).
    public private(set) var eachHadFailures = false
    /// Every write sent so far, for the summary of a stopped run (docs/journal.md).
    public let tally = WriteTally()
    /// A progress bar is on stderr's current line (a stop's summary starts a new line).
    public private(set) var progressLineOpen = false
    /// `b24.confirm` was asked with no terminal and no `--yes`, and answered no: the run ends
    /// with its own status, so a cron job that did nothing does not look successful.
    public var confirmUnanswered: Bool { unansweredQuestion != nil }
    /// The first question `b24.confirm` could not ask.
    public private(set) var unansweredQuestion: String?

    public init(configuration: B24ModuleConfiguration) {
        self.configuration = configuration
        dryRun = configuration.dryRun ? DryRun() : nil
    }

    /// What is still in flight finishes on a thread of the executor's own.
    deinit { executor.release() }

    /// Defines the metatables, runs the prelude with the primitives, and makes the result the
    /// global `b24` and `package.loaded.b24`.
    public func install(in s: LuaStack) throws(LuaError) {
        LuaJSON.defineMarkers(s)
        ErrorObject.defineMetatable(s)
        try s.load(PackageResources.prelude_lua, chunkName: "=b24", mode: "t")
        pushPrimitives(s)
        try s.call(nargs: 1, nresults: 1)
        let base = s.top - 1  // below the module
        defer { s.top = base }
        s.pushValue(at: -1)
        s.setGlobal("b24")
        if s.getGlobal("package") == .table, s.rawGet(-1, key: "loaded") == .table {
            s.pushValue(at: -3)
            s.rawSet(-2, key: "b24")
        }
    }

    /// The plan of a dry run, one line per write.
    public func planText() -> String { (dryRun ?? DryRun()).planText() }

    // MARK: primitives

    private func pushPrimitives(_ s: LuaStack) {
        s.newTable()
        func def(_ name: String, _ body: @escaping LuaFunction) {
            s.push(function: body)
            s.rawSet(-2, key: name)
        }
        def("call") { [unowned self] s in try self.call(s, envelope: false) }
        def("request") { [unowned self] s in try self.call(s, envelope: true) }
        def("call_fields") { [unowned self] s in try self.callFields(s) }
        def("batch") { [unowned self] s in try self.batch(s) }
        def("batch_start") { [unowned self] s in try self.batchStart(s) }
        def("batch_wait") { [unowned self] s in try self.batchWait(s) }
        def("normalized") { s in
            s.push(MethodCatalog.normalized(s.string(at: 1) ?? ""))
            return 1
        }
        def("progress_line") { [unowned self] s in
            self.progressLineOpen = s.bool(at: 1)
            return 0
        }
        def("is_write") { s in
            s.push(MethodCatalog.isWrite(s.string(at: 1) ?? ""))
            return 1
        }
        def("mark_failed") { [unowned self] _ in
            self.eachHadFailures = true
            return 0
        }
        def("near_names") { s in
            // "; did you mean …?" for a misspelt name among the strings of table #2 (NearNames).
            guard let name = try? s.read(String.self, at: 1), let names = try? s.read([String].self, at: 2) else {
                throw s.argumentError(1, "near_names", "string and a sequence of strings expected")
            }
            s.push(NearNames.hint(for: name, among: names))
            return 1
        }
        def("confirm") { [unowned self] s in
            s.push(self.confirm(s.string(at: 1) ?? "Continue?"))
            return 1
        }
        def("now") { s in
            s.push(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
            return 1
        }
        def("make_error") { s in
            // b24.Error from Lua: the prelude's usage errors (INVALID_ARGUMENT) and re-raises.
            guard s.type(at: 1) == .table else { throw s.argumentError(1, "make_error", "table expected") }
            s.pushValue(at: 1)
            s.setMetatable(named: ErrorObject.metatableName)
            return 1
        }
        def("to_json") { s in
            do throws(LuaError) {
                s.push(try s.read(JSONValue.self, at: 1).serialized())
                return 1
            } catch {
                throw B24Error.invalidArgument(error.message)
            }
        }
        def("from_json") { s in
            guard let bytes = s.bytes(at: 1) else { throw s.argumentError(1, "from_json", "string expected") }
            let value: JSONValue
            do throws(JSONParseError) { value = try JSONValue.parse(bytes) } catch {
                throw B24Error.invalidArgument(error.description)
            }
            do throws(LuaError) { try s.push(value) } catch { throw B24Error.invalidArgument(error.message(root: "the document")) }
            return 1
        }
        pushDocs(s)
        LuaJSON.pushNull(s)
        s.rawSet(-2, key: "null")
        _ = s.pushMetatable(named: LuaJSON.arrayName)
        s.rawSet(-2, key: "array_mt")
        _ = s.pushMetatable(named: LuaJSON.objectName)
        s.rawSet(-2, key: "object_mt")
        _ = s.pushMetatable(named: ErrorObject.metatableName)
        s.rawSet(-2, key: "Error")
        pushCatalog(s)
        s.push(configuration.dryRun)
        s.rawSet(-2, key: "dry_run")
        s.push(configuration.progress)
        s.rawSet(-2, key: "progress")
        s.push(configuration.resume != nil)
        s.rawSet(-2, key: "resuming")
        if let host = configuration.portalHost {
            s.push(host)
            s.rawSet(-2, key: "portal")
        }
        if let sandbox = configuration.sandbox {
            def("sandbox_members") { s in
                guard let chat = s.integer(at: 1) else { throw s.argumentError(1, "members", "chat id expected") }
                guard let members = sandbox.members(chat) else { s.pushNil(); return 1 }
                try s.push(JSONValue.array(members.map { .int($0) }))
                return 1
            }
            def("sandbox_state") { s in
                try s.push(sandbox.state())
                return 1
            }
        }
    }

    /// The method catalog's facts the prelude needs (docs/method-catalog.md): the batch limits
    /// its `b24.each` scheduler keeps to, the entity types its argument checks accept, and the page size `b24.list` pages by.
    private func pushCatalog(_ s: LuaStack) {
        s.newTable()
        for t in MethodCatalog.entityTypes {
            s.push(true)
            s.rawSet(-2, key: t)
        }
        s.rawSet(-2, key: "entity_types")
        s.push(Int64(MethodCatalog.batchLimit))
        s.rawSet(-2, key: "batch_limit")
        s.push(Int64(MethodCatalog.batchesInFlight))
        s.rawSet(-2, key: "batches_in_flight")
        s.push(Int64(MethodCatalog.pageSize))
        s.rawSet(-2, key: "page_size")
    }

    /// core.doc(): the help texts of doc.lua (what `b24lua doc` prints) as a new table, for the
    /// REPL's help(). Called by the prelude on the first read of `b24._doc`, not at start-up.
    private func pushDocs(_ s: LuaStack) {
        s.push(function: { s in
            let top = s.top
            do {
                try s.load(EmbeddedDocs.luaSource, chunkName: EmbeddedDocs.chunkName, mode: "t")
                try s.call(nargs: 0, nresults: 1)
                if s.type(at: -1) != .table { throw LuaError(status: .runtime, message: "doc.lua did not return a table") }
            } catch {
                s.top = top  // help stays empty; the docs' own tests catch a broken doc.lua
                s.newTable()
            }
            return 1
        })
        s.rawSet(-2, key: "doc")
    }

    private func client() throws(B24Error) -> B24Client {
        guard let c = configuration.client else {
            throw configuration.unavailable ?? .configError("no portal configured")
        }
        return c
    }

    /// Reads argument `index` as JSON params for `function`; a usage error, naming the path,
    /// when it cannot be.
    private func params(_ s: LuaStack, _ index: Int32, function: String, method: String) throws(B24Error) -> JSONValue {
        do throws(LuaError) {
            return LuaJSON.params(try s.read(JSONValue?.self, at: index))
        } catch {
            throw .invalidArgument("bad argument #\(index) to '\(function)' (\(error.message(root: "params")))", method: method)
        }
    }

    /// Waits on the Lua thread for `op`; Ctrl-C or `--timeout` stops the wait with the
    /// interrupt's message, raised as a plain error (docs/lua-host.md).
    private func wait<T: Sendable>(_ op: @escaping @Sendable () async throws(B24Error) -> T) throws -> Result<T, B24Error> {
        switch executor.block(on: { () async -> Result<T, B24Error> in
            do throws(B24Error) { return .success(try await op()) } catch { return .failure(error) }
        }, stop: { LuaInterrupt.pendingMessage }) {
        case .done(let result): return result
        case .stopped(let reason): throw LuaError.message(reason)
        }
    }

    /// The method names read lately, reused while a script calls the same few methods again
    /// and again: decoding one anew is an allocation per call. Compared as bytes, so a name is
    /// reused only when it is the very same string.
    private var recentMethods: [(bytes: [UInt8], name: String)] = []
    /// Longer names are not kept: no method has one (RequestEncoder.validMethodName), and what
    /// is kept is Swift memory, outside --max-memory.
    private static let longestKeptMethodName = 200

    private func methodName(_ s: LuaStack, at index: Int32) -> String? {
        s.withBytes(at: index) { bytes in
            if bytes.count > Self.longestKeptMethodName { return String(decoding: bytes, as: UTF8.self) }
            for known in recentMethods where known.bytes.count == bytes.count {
                let same = known.bytes.withUnsafeBufferPointer { k in
                    k.isEmpty || memcmp(k.baseAddress!, bytes.baseAddress!, k.count) == 0
                }
                if same { return known.name }
            }
            let name = String(decoding: bytes, as: UTF8.self)
            if recentMethods.count == 4 { recentMethods.removeFirst() }
            recentMethods.append((Array(bytes), name))
            return name
        }
    }

    /// core.call(method, params) -> result; core.request(...) -> the whole envelope. Raises b24.Error.
    private func call(_ s: LuaStack, envelope: Bool) throws -> Int32 {
        let name = envelope ? "request" : "call"
        let method = try method(s, function: name)
        return try send(s, method, try params(s, 2, function: name, method: method), envelope: envelope)
    }

    /// core.call_fields(method, name, value, name, value, ...) -> result: core.call with the
    /// parameters given one by one (a nil value leaves its name out), in that order. The chat
    /// functions send through it: no Lua table is built for the parameters only to be walked
    /// again here (docs/performance.md).
    private func callFields(_ s: LuaStack) throws -> Int32 {
        let method = try method(s, function: "call_fields")
        let top = s.top
        var o = JSONObject()
        o.reserveCapacity(Int(top - 1) / 2)
        var budget = s.valueBudget  // one budget for all the parameters
        var i: Int32 = 2
        while i <= top {
            guard s.type(at: i) == .string, let name = s.string(at: i) else {
                throw B24Error.invalidArgument(
                    "bad argument #\(i) to 'call_fields' (parameter name expected, got \(s.typeName(at: i)))", method: method)
            }
            if !s.isNoneOrNil(i + 1) {
                do throws(LuaError) {
                    // One table less: the value sits inside the params object, as in core.call's.
                    o[name] = try s.read(JSONValue.self, at: i + 1, maxDepth: LuaNesting.maxDepth - 1, budget: &budget)
                } catch {
                    throw B24Error.invalidArgument("bad argument #\(i + 1) to 'call_fields' (\(error.message(root: "params.\(name)")))",
                                                   method: method)
                }
            }
            i += 2
        }
        return try send(s, method, .object(o), envelope: false)
    }

    private func method(_ s: LuaStack, function: String) throws(B24Error) -> String {
        guard let method = methodName(s, at: 1), !method.isEmpty else {
            throw .invalidArgument("bad argument #1 to '\(function)' (method name expected, got \(s.typeName(at: 1)))")
        }
        return method
    }

    /// Sends one call through the pipeline and pushes its result (or envelope).
    private func send(_ s: LuaStack, _ method: String, _ params: JSONValue, envelope: Bool) throws -> Int32 {
        let pipeline = try pipeline()
        let result = try wait { () async throws(B24Error) -> RESTResponse in try await pipeline.call(method, params) }
        switch result {
        case .success(let r):
            // Only what Lua reads: the result, unless it asked for the envelope (b24.request).
            do throws(LuaError) { try s.push(envelope ? r.envelope : r.result) } catch {
                throw B24Error.unpushable(error, method: method)
            }
            return 1
        case .failure(let e):
            throw e
        }
    }

    private func pipeline() throws(B24Error) -> CallPipeline {
        CallPipeline(client: try client(), journal: configuration.journal, dryRun: dryRun?.stage(), resume: configuration.resume,
                     tally: tally)
    }

    /// Reads a sequence of {key=, method=, params=} at `index` (`BatchCommand`'s `LuaRead`),
    /// one budget for every command's parameters; a command without a key is keyed by its place.
    private func commands(_ s: LuaStack, _ index: Int32) throws(B24Error) -> [BatchCommand] {
        guard s.type(at: index) == .table else {
            throw .invalidArgument("bad argument #1 to 'batch' (table of commands expected)", method: "batch")
        }
        do throws(LuaError) {
            var out = try s.read([BatchCommand].self, at: index)
            for i in out.indices where out[i].key.isEmpty { out[i].key = String(i + 1) }
            return out
        } catch {
            throw .invalidArgument("bad argument #\(index) to 'batch' (\(error.message(root: "commands")))", method: "batch")
        }
    }

    /// Runs `commands` through the call pipeline; raises only when no chunk was answered at all
    /// (each chunk's own outcomes are journaled either way).
    private func journaledBatch(_ commands: [BatchCommand], halt: Bool) -> @Sendable () async throws(B24Error) -> [BatchOutcome] {
        guard let client = configuration.client else {
            let e = configuration.unavailable ?? .configError("no portal configured")
            return { () async throws(B24Error) -> [BatchOutcome] in throw e }
        }
        let pipeline = CallPipeline(client: client, journal: configuration.journal, dryRun: dryRun?.stage(),
                                    resume: configuration.resume, tally: tally)
        return { () async throws(B24Error) -> [BatchOutcome] in
            let run = try await pipeline.batch(commands, halt: halt)
            if let e = run.wholeFailure { throw e }
            return run.outcomes
        }
    }

    /// Pushes outcomes as a sequence of {ok=true, result=, total=, next=, time=} or {ok=false, error=}
    /// (`BatchOutcome`'s `LuaPush`).
    private func pushOutcomes(_ outcomes: [BatchOutcome], _ s: LuaStack) throws(B24Error) {
        do throws(LuaError) { try s.push(outcomes) } catch { throw .unpushable(error, method: "batch") }
    }

    /// core.batch(commands, halt) -> outcomes (blocking).
    private func batch(_ s: LuaStack) throws -> Int32 {
        let cmds = try commands(s, 1)
        if cmds.isEmpty { s.newTable(); return 1 }
        switch try wait(journaledBatch(cmds, halt: s.bool(at: 2))) {
        case .success(let outcomes):
            try pushOutcomes(outcomes, s)
            return 1
        case .failure(let e):
            throw e
        }
    }

    /// core.batch_start(commands) -> handle: sends without waiting (b24.each keeps several in flight).
    private func batchStart(_ s: LuaStack) throws -> Int32 {
        let cmds = try commands(s, 1)
        let op = journaledBatch(cmds, halt: false)
        let handle = nextHandle
        nextHandle += 1
        inFlight[handle] = executor.start { () async -> Result<[BatchOutcome], B24Error> in
            do throws(B24Error) { return .success(try await op()) } catch { return .failure(error) }
        }
        s.push(Int64(handle))
        return 1
    }

    /// core.batch_wait({handles}) -> handle, outcomes | handle, nil, error (the whole batch failed).
    private func batchWait(_ s: LuaStack) throws -> Int32 {
        guard s.type(at: 1) == .table else { throw s.argumentError(1, "batch_wait", "table of handles expected") }
        let handles = ((try? s.read([Int64].self, at: 1)) ?? []).map { Int($0) }
        // Started and not collected yet: waiting for anything else would never end.
        let tickets = handles.compactMap { inFlight[$0] }
        guard !handles.isEmpty, tickets.count == handles.count else {
            throw LuaError.message("batch_wait: no such batch in flight")
        }
        let handle: Int, result: Result<[BatchOutcome], B24Error>
        switch executor.waitForAny(tickets, stop: { LuaInterrupt.pendingMessage }) {
        case .done(let done):
            (handle, result) = (handles[done.index], done.value)
            inFlight[handle] = nil
        case .stopped(let reason):
            for h in handles { inFlight[h] = nil }
            throw LuaError.message(reason)
        }
        s.push(Int64(handle))
        switch result {
        case .success(let outcomes):
            try pushOutcomes(outcomes, s)
            return 2
        case .failure(let e):
            s.pushNil()
            ErrorObject.push(e, s, tracebackLevel: nil)
            return 3
        }
    }

    private func confirm(_ question: String) -> Bool {
        if configuration.assumeYes { return true }
        guard configuration.interactive else {
            if unansweredQuestion == nil { unansweredQuestion = question }
            return false
        }
        return TerminalQuestion.ask(question)
    }
}
