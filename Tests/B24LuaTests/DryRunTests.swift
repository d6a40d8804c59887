import B24
import B24Wire
@testable import B24Lua
import B24Sandbox
import Foundation
import LuaHost
import Testing

/// `--dry-run` is the call pipeline's first stage, in Swift (docs/call-pipeline.md): writes are
/// planned and answered as the method catalog resolves them, reads are sent, nothing changes.
/// Single calls, `b24.batch` and `b24.each` all take it, against the real sandbox in-process.
@Suite struct DryRunTests {
    let harness: InProcessModule
    var module: B24Module { harness.module }
    var portal: SandboxPortal { harness.portal }

    init() throws { harness = try InProcessModule(dryRun: true) }

    func run(_ code: String) async throws -> [LuaValue] { try await harness.run(code) }

    /// The portal's data, without its request counters.
    var data: JSONValue {
        guard case .object(var o) = portal.stateJSON() else { return .null }
        o["stats"] = nil
        return .object(o)
    }

    var requests: Int64 { portal.stateJSON()["stats"]?["requests"]?.intValue ?? -1 }

    var plan: [String] {
        module.dryRun!.plannedWrites.map { "\($0.method) \($0.params.serialized(sortKeys: true)) -> \($0.result.serialized())" }
    }

    static let delete = "imopenlines.crm.chat.user.delete", add = "imopenlines.crm.chat.user.add"

    @Test func singleWritesAreAnsweredAsTheCatalogResolvesThem() async throws {
        let before = data
        let r = try await run("""
            return b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503, chat = 1763},
                   b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503},
                   b24.chat_user_add{entity_type = "LEAD", entity = "1206", user = 504},
                   b24.request("imopenlines.crm.chat.user.add", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 9}).result,
                   b24.call("crm.lead.add", {fields = {TITLE = "x"}}),
                   b24.call("imopenlines.crm.chat.user.add.json", {crm_entity_type = "lead", crm_entity = 1205, user_id = 1, chat_id = 1763})
            """)
        #expect(r == [.integer(1763), .integer(1763), .integer(0), .integer(1763), .boolean(true), .integer(1763)])
        #expect(plan == [
            "\(Self.delete) {\"CHAT_ID\":1763,\"CRM_ENTITY\":1205,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":503} -> 1763",
            "\(Self.delete) {\"CRM_ENTITY\":1205,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":503} -> 1763",
            "\(Self.add) {\"CRM_ENTITY\":1206,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":504} -> 0",
            "\(Self.add) {\"CRM_ENTITY\":1205,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":9} -> 1763",
            "crm.lead.add {\"fields\":{\"TITLE\":\"x\"}} -> true",
            "imopenlines.crm.chat.user.add.json {\"chat_id\":1763,\"crm_entity\":1205,\"crm_entity_type\":\"lead\",\"user_id\":1} -> 1763",
        ])
        #expect(data == before)
        #expect(module.planText().hasPrefix("dry run: 6 write(s) planned, none sent\n  1. \(Self.delete) "))
    }

    /// The chat functions hand their parameters to Swift one by one outside `b24.each` and as
    /// a table inside it (docs/performance.md): both must put the same members on the wire, in
    /// the same order, with an absent chat left out.
    @Test func chatFunctionsSendTheSameParametersDirectlyAndInsideEach() async throws {
        let calls = """
            {entity_type = "lead", entity = 1205, user = 503, chat = 1763},
            {entity_type = "Deal", entity = "1206", user = 504.0},
            """
        _ = try await run("""
            for _, t in ipairs{\(calls)} do b24.chat_user_delete(t); b24.chat_user_add(t) end
            b24.chat_last_id{entity_type = "lead", entity = 1205}
            """)
        let direct = module.dryRun!.plannedWrites.map { "\($0.method) \($0.params.serialized())" }
        let again = try InProcessModule(dryRun: true)
        _ = try await again.run("""
            local report = b24.each({\(calls)}, function(t) b24.chat_user_delete(t); b24.chat_user_add(t) end)
            assert(report.ok == 2, #report.failed)
            """)
        let scheduled = again.module.dryRun!.plannedWrites.map { "\($0.method) \($0.params.serialized())" }
        #expect(direct == [
            "\(Self.delete) {\"CHAT_ID\":1763,\"CRM_ENTITY\":1205,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":503}",
            "\(Self.add) {\"CHAT_ID\":1763,\"CRM_ENTITY\":1205,\"CRM_ENTITY_TYPE\":\"lead\",\"USER_ID\":503}",
            "\(Self.delete) {\"CRM_ENTITY\":1206,\"CRM_ENTITY_TYPE\":\"deal\",\"USER_ID\":504}",
            "\(Self.add) {\"CRM_ENTITY\":1206,\"CRM_ENTITY_TYPE\":\"deal\",\"USER_ID\":504}",
        ])
        // b24.each batches the items' first calls together: the same writes, in another order.
        #expect(scheduled.sorted() == direct.sorted())
    }

    @Test func aLookupThatFailsFailsTheWriteAndPlansNothing() async throws {
        let r = try await run("""
            local ok, e = pcall(b24.call, "imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = "x", USER_ID = 1})
            local ok2, e2 = pcall(b24.call, "crm.lead.add", {f = print})
            return ok, e.code, e.method, ok2, e2.code
            """)
        #expect(r == [.boolean(false), .string("ERROR_ARGUMENT"), .string("imopenlines.crm.chat.getLastId"),
                      .boolean(false), .string("INVALID_ARGUMENT")])
        #expect(plan.isEmpty)
    }

    @Test func batchesAnswerTheirWritesInOrderAndSendTheirReads() async throws {
        let before = data
        let r = try await run("""
            local results, errors = b24.batch{
              me = {"user.current"},
              a = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 503}},
              b = {"imopenlines.crm.chat.user.add", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1206, USER_ID = 503}},
              c = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 503, CHAT_ID = 1763}},
              d = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = "x", USER_ID = 503}},
              e = {"crm.lead.add", {fields = {TITLE = "t"}}},
              f = {"no.such.method.get"},
            }
            return tostring(results.me.ID), results.a, results.b, results.c, errors.d.code, results.e, errors.f.code,
                   results.d, errors.a
            """)
        #expect(r == [.string("1"), .integer(1763), .integer(0), .integer(1763), .string("ERROR_ARGUMENT"), .boolean(true),
                      .string("ERROR_METHOD_NOT_FOUND"), .nil, .nil])
        // The plan follows the commands (b24.batch sorts named commands by key); the failed write is not in it.
        let planned: [String] = plan
        #expect(planned.count == 4)
        let expected: [String] = ["\(Self.delete) {\"CRM_ENTITY\":1205,", "\(Self.add) {\"CRM_ENTITY\":1206,",
                                  "\(Self.delete) {\"CHAT_ID\":1763,", "crm.lead.add {\"fields\":{\"TITLE\":\"t\"}} -> true"]
        for (line, prefix) in zip(planned, expected) { #expect(line.hasPrefix(prefix), "\(line)") }
        #expect(data == before)
    }

    @Test func haltStopsTheReadsNeverTheAnsweredWrites() async throws {
        let r = try await run("""
            local results, errors = b24.batch({
              {"no.such.method.get"},
              {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 503}},
              {"user.current"},
            }, {halt = true})
            return errors[1].code, results[2], errors[3].code
            """)
        #expect(r == [.string("ERROR_METHOD_NOT_FOUND"), .integer(1763), .string("BATCH_HALTED")])
        #expect(plan.count == 1)
    }

    @Test func aBatchOfOnlyWritesSendsOnlyTheLookups() async throws {
        let sentBefore = requests
        let r = try await run("""
            local cmds, want = {}, {}
            for _, user in ipairs{503, 506} do
              for lead = 1300, 1359 do
                cmds[#cmds + 1] = {"imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = lead, USER_ID = user}}
                want[#cmds] = lead + 1000
              end
            end
            local results, errors = b24.batch(cmds)
            local n = 0
            for i = 1, #cmds do if results[i] == want[i] then n = n + 1 end end
            return n, next(errors) == nil
            """)
        #expect(r == [.integer(120), .boolean(true)])
        #expect(plan.count == 120)
        #expect(plan.first?.contains("\"CRM_ENTITY\":1300,") == true && plan.last?.contains("\"CRM_ENTITY\":1359,") == true)
        #expect(plan.last?.contains("\"USER_ID\":506") == true)
        // 120 lookups: three batch requests of at most 50, no single calls.
        #expect(requests - sentBefore == 3)
    }

    @Test func eachPlansInItemOrderWithSeveralBatchesInFlight() async throws {
        let before = data
        let r = try await run("""
            local items = {}
            for _, user in ipairs{503, 506} do
              for lead = 1300, 1359 do items[#items + 1] = {lead = lead, user = user} end
            end
            local report = b24.each(items, function(it)
              local lead = it.lead
              local chat = b24.chat_user_delete{entity_type = "lead", entity = lead, user = it.user}
              assert(chat == lead + 1000, "unexpected chat " .. tostring(chat))
              local env = b24.request("imopenlines.crm.chat.user.add", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = lead, USER_ID = 504, CHAT_ID = chat})
              assert(env.result == chat)
              assert(tostring(b24.call("user.current").ID) == "1")
            end, {concurrency = 120})
            return report.ok, #report.failed
            """)
        #expect(r == [.integer(120), .integer(0)])
        #expect(plan.count == 240)
        let deletes = plan.filter { $0.hasPrefix(Self.delete) }
        #expect(deletes.count == 120)
        #expect(deletes.enumerated().allSatisfy {
            $0.element.contains("\"CRM_ENTITY\":\(1300 + $0.offset % 60),") && $0.element.contains("\"USER_ID\":\($0.offset < 60 ? 503 : 506)")
        })
        // Each item's delete comes before its add.
        #expect(plan.prefix(120).allSatisfy { $0.hasPrefix(Self.delete) })
        #expect(data == before)
    }

    @Test func eachFailsOnlyTheItemWhoseLookupFailed() async throws {
        let r = try await run("""
            local report = b24.each({1205, "x", 1206}, function(lead)
              return b24.call("imopenlines.crm.chat.user.delete", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = lead, USER_ID = 503})
            end)
            local f = report.failed[1]
            return report.ok, #report.failed, f.item, f.error.code, type(f.error.traceback)
            """)
        #expect(r == [.integer(2), .integer(1), .string("x"), .string("ERROR_ARGUMENT"), .string("string")])
        #expect(plan.count == 2)
    }

    /// The plan's order is taken when a call or batch starts, whatever order their answers come in.
    @Test func planPlacesAreTakenInCallOrder() async throws {
        let dry = DryRun()
        let first = dry.stage(), second = dry.stage()
        let noLookup: (String, JSONValue) async throws(B24Error) -> RESTResponse = { (_, _) async throws(B24Error) in
            throw .configError("no lookup expected")
        }
        _ = try await second.answer("crm.lead.add", ["n": 2], read: noLookup)
        _ = try await first.answer("crm.lead.add", ["n": 1], read: noLookup)
        #expect(dry.plannedWrites.map(\.params) == [["n": 1], ["n": 2]])
    }
}
