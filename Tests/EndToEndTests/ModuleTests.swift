import B24
import B24Wire
import B24Sandbox
import Foundation
import Testing

/// The `b24` module as scripts use it: the built binary against a sandbox over loopback HTTP.
@Suite struct ModuleTests {
    let dir: URL

    init() throws { dir = try Binary.temporaryDirectory() }

    func script(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Prints `code status kind` for a failing call, "ok VALUE" otherwise.
    static let probe = """
        local function probe(label, f, ...)
          local ok, e = pcall(f, ...)
          if ok then print(label, "ok", e) return end
          assert(b24.is_error(e), "not an error object: " .. tostring(e))
          print(label, e.code, e.status, e.kind, e.retryable, e.description)
        end

        """

    @Test func everyDeleteErrorRowFromLua() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let path = try script("rows.lua", Self.probe + """
            local D = "imopenlines.crm.chat.user.delete"
            local agent = ...
            if agent == "agent" then
              probe("5", b24.chat_user_delete, {entity_type = "company", entity = 4001, user = 1})
              probe("7", b24.chat_user_delete, {entity_type = "contact", entity = 3001, user = 506, chat = 1900})
              return
            end
            probe("1", b24.call, D, {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205, USER_ID = 0})
            probe("2", b24.call, D, {CRM_ENTITY = 1205, USER_ID = 503})
            probe("3", b24.call, D, {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = "abc", USER_ID = 503})
            probe("5b", b24.call, D, {CRM_ENTITY_TYPE = "invoice", CRM_ENTITY = 1205, USER_ID = 503})
            probe("6", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 503, chat = 1801})
            probe("8", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 505, chat = 1763})
            probe("9", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 504, chat = 1763})
            probe("ok", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 503})
            probe("0", b24.chat_user_delete, {entity_type = "lead", entity = 1206, user = 503})
            """)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, path])
        #expect(r.status == 0, "\(r.stderr)")
        let agent = try await Binary.b24luaAsync(
            ["--webhook", sandbox.webhook(user: 503, code: "sandbox503agent"), path, "agent"])
        let lines = Dictionary(uniqueKeysWithValues: (r.stdout + agent.stdout).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        })
        let expected: [String: String] = [
            "1": "CRM_CHAT_EMPTY_USER\t400\targument\tfalse\tEmpty User ID",
            "2": "CRM_CHAT_EMPTY_CRM_DATA\t400\targument\tfalse\tEmpty CRM data",
            "3": "ERROR_ARGUMENT\t400\targument\tfalse\tThe value of an argument 'CRM_ENTITY' has an invalid type",
            "5": "ACCESS_DENIED\t403\taccess\tfalse\tAccess denied! You don't have access to join user to chat",
            "5b": "ACCESS_DENIED\t403\taccess\tfalse\tAccess denied! You don't have access to join user to chat",
            "6": "CHAT_NOT_IN_CRM\t400\tnot_found\tfalse\tChat does not belong to the CRM entity being checked",
            "7": "CHAT_DELETE_USER_PERMISSION_DENIED\t403\taccess\tfalse\tYou don't have access to delete a user from this chat",
            "8": "CRM_CHAT_USER_NOT_ACTIVE\t400\tstate\tfalse\tUser not active",
            "9": "WRONG_REQUEST\t400\tstate\tfalse\tYou don't have access or user already not in chat",
            "ok": "ok\t1763",
            "0": "ok\t0",
        ]
        for (k, v) in expected { #expect(lines[k] == v, "row \(k)") }
        #expect(sandbox.portal.members(ofChat: 1763) == [1, 506])
    }

    @Test func imNotInstalledRow() async throws {
        guard case .object(var fixture) = SandboxDataSet.default.fixture() else { return }
        fixture["im_installed"] = false
        let sandbox = try await LiveSandbox.start(fixture: .object(fixture))
        defer { Task { await sandbox.stop() } }
        let path = try script("im.lua", Self.probe + """
            probe("4", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 503})
            """)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, path])
        #expect(r.stdout == "4\tIM_NOT_INSTALLED\t400\tstate\tfalse\tMessenger is not installed.\n", "\(r.stderr)")
    }

    @Test func usageErrorsBeforeAnyRequest() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let path = try script("usage.lua", Self.probe + """
            probe("a", b24.chat_user_delete, {entity_type = "lead", entity = "abc", user = 1})
            probe("b", b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 1, chta = 5})
            probe("c", b24.chat_user_delete, {entity_type = "invoice", entity = 1205, user = 1})
            probe("d", b24.chat_get, {entity_type = "lead", entity = 1205, active_only = "Y"})
            probe("e", b24.call, "user.get", {bad = print})
            probe("f", b24.chat_user_delete, {entity_type = "LEAD", entity = 1205.0, user = "504"})
            probe("g", b24.chat_user_delete, {"entity_type", entity_type = "lead", entity = 1205, user = 1})
            probe("h", b24.chat_last_id, {entity_type = {}, entity = 1205})
            """)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, path])
        let out = r.stdout.split(separator: "\n").map(String.init)
        #expect(out[0] == "a\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument 'entity' to 'chat_user_delete' (positive integer expected, got string \"abc\")")
        #expect(out[1].hasPrefix("b\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument #1 to 'chat_user_delete' (unknown key 'chta'"))
        #expect(out[2].hasPrefix("c\tINVALID_ARGUMENT\tnil\tusage"))
        #expect(out[3].hasPrefix("d\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument 'active_only'"))
        #expect(out[4].hasPrefix("e\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument #2 to 'call' (params.bad is a function"))
        // Case-insensitive type, an integral float and a decimal string are accepted and sent.
        #expect(out[5] == "f\tWRONG_REQUEST\t400\tstate\tfalse\tYou don't have access or user already not in chat")
        // A positional value is an unknown key too, not a name of the allowed list.
        #expect(out[6].hasPrefix("g\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument #1 to 'chat_user_delete' (unknown key '1'"))
        #expect(out[7].hasPrefix("h\tINVALID_ARGUMENT\tnil\tusage\tfalse\tbad argument 'entity_type' to 'chat_last_id'"))
        #expect(sandbox.stat("by_method", "imopenlines.crm.chat.user.delete") == 1)
    }

    @Test func uncaughtErrorObjectExitsOneWithOneLineAndTraceback() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let path = try script("fail.lua", "b24.chat_user_delete{entity_type = 'lead', entity = 1205, user = 504, chat = 1763}\n")
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("b24lua: b24: WRONG_REQUEST (400) imopenlines.crm.chat.user.delete: You don't have access or user already not in chat\nstack traceback:"))
        #expect(r.stderr.contains("fail.lua:1: in main chunk"))
        #expect(!r.stderr.contains("sandbox1admin"))
    }

    /// 1,000 items, 5% of them not members: 950 ok, 50 failed, and one batch request per 50.
    @Test func eachGathersCallsIntoBatches() async throws {
        var users: [JSONValue] = [["id": 1, "name": "Admin", "active": true, "admin": true, "bot": false]]
        for id in 10_001...11_000 { users.append(["id": .int(Int64(id)), "name": .string("U\(id)"), "active": true, "admin": false, "bot": false]) }
        let members: [JSONValue] = (10_001...10_950).map { .int(Int64($0)) }
        let fixture: JSONValue = [
            "portal": "bulk.example", "users": .array(users),
            "webhooks": [["user": 1, "code": "bulkadmin", "scopes": ["imopenlines", "crm", "user", "im"]]],
            "lines": [["id": 1, "connector": "livechat", "title": "Live Chat", "managers": [1]]],
            "entities": [["type": "lead", "id": 1205, "access": [1]]],
            "chats": [["id": 1763, "line": 1, "entity": ["type": "lead", "id": 1205], "members": .array(members), "active": true]],
        ]
        let sandbox = try await LiveSandbox.start(fixture: fixture)
        defer { Task { await sandbox.stop() } }
        let path = try script("each.lua", """
            local users = {}
            for id = 10001, 11000 do users[#users + 1] = id end
            local report = b24.each(users, function(u)
              b24.chat_user_delete{entity_type = "lead", entity = 1205, user = u, chat = 1763}
            end)
            local codes = {}
            for _, f in ipairs(report.failed) do codes[f.error.code] = (codes[f.error.code] or 0) + 1 end
            print(report.ok, #report.failed, report.skipped, codes.WRONG_REQUEST, report.failed[1].item)
            """)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhook(user: 1, code: "bulkadmin"), path])
        #expect(r.stdout == "950\t50\t0\t50\t10951\n", "\(r.stderr)")
        #expect(r.status == 3)  // failed items, and the script did not exit by itself
        #expect(sandbox.portal.members(ofChat: 1763) == [])
        #expect(sandbox.stat("by_method", "batch") == 20)
        #expect(sandbox.stat("stats", "requests") == 0 || sandbox.portal.stateJSON()["stats"]?["requests"]?.intValue == 20)
    }

    /// A dry run sends the reads, records the 100 writes, prints them, and changes nothing.
    @Test func dryRunChangesNothingAndPrintsThePlan() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.dataState
        let path = try script("remove100.lua", Self.remove100)
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--dry-run", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "dry\t100\t0\n")
        #expect(r.stderr.hasPrefix("dry run: 100 write(s) planned, none sent\n"))
        #expect(r.stderr.split(separator: "\n").filter { $0.contains("imopenlines.crm.chat.user.delete") }.count == 100)
        let unchanged = sandbox.dataState == before  // (a bool: the state dump is too long to print)
        #expect(unchanged)
    }

    /// Leads 1300-1359 have chats 2300-2359 with members 1, 503, 506: remove 503 and 506 from
    /// the first 50 chats = 100 writes.
    static let remove100 = """
        local items = {}
        for lead = 1300, 1349 do
          items[#items + 1] = {lead = lead, user = 503}
          items[#items + 1] = {lead = lead, user = 506}
        end
        local report = b24.each(items, function(it)
          local chat = b24.chat_user_delete{entity_type = "lead", entity = it.lead, user = it.user}
          assert(chat == it.lead + 1000, "unexpected chat " .. tostring(chat))
        end)
        print(b24.dry_run and "dry" or "real", report.ok, #report.failed)
        """

    @Test func journalThenUndoRestoresTheInitialState() async throws {
        let sandbox = try await LiveSandbox.start()
        defer { Task { await sandbox.stop() } }
        let before = sandbox.dataState
        let path = try script("remove100.lua", Self.remove100)
        let journal = dir.appendingPathComponent("run.jsonl").path
        let r = try await Binary.b24luaAsync(["--webhook", sandbox.webhookURL, "--journal", journal, path])
        #expect(r.stdout == "real\t100\t0\n", "\(r.stderr)")
        #expect(sandbox.portal.members(ofChat: 2300) == [1])
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200)
        #expect(!lines.joined().contains("sandbox1admin"))
        let undo = try await Binary.b24luaAsync(["undo", journal, "--webhook", sandbox.webhookURL, "--plan", "unlimited"])
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        // Membership is a set: undo re-adds in reverse order, so compare members sorted.
        let restored = Self.sortedMembers(sandbox.dataState) == Self.sortedMembers(before)
        #expect(restored)
    }

    static func sortedMembers(_ state: JSONValue) -> JSONValue {
        guard case .object(var o) = state, let chats = o["chats"]?.arrayValue else { return state }
        o["chats"] = .array(chats.map { chat in
            guard case .object(var c) = chat, let m = c["members"]?.arrayValue else { return chat }
            c["members"] = .array(m.sorted { ($0.intValue ?? 0) < ($1.intValue ?? 0) })
            return .object(c)
        })
        return .object(o)
    }

    @Test func noPortalConfiguredIsAConfigError() async throws {
        let r = try await Binary.b24luaAsync(["-e", "print(b24.try.chat_last_id{entity_type='lead', entity=1})"],
                                             environment: ["XDG_CONFIG_HOME": dir.path, "B24_WEBHOOK_URL": "", "B24_SANDBOX": ""])
        #expect(r.stdout.hasPrefix("nil\tb24: CONFIG_ERROR: no portal configured"))
        let bad = try await Binary.b24luaAsync(["--webhook", "http://portal.example.com/rest/1/abcdef123/", "-e", "print(1)"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("CONFIG_ERROR"))
        #expect(!bad.stderr.contains("abcdef123"))
    }
}
