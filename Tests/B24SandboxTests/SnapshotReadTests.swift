import B24
import B24Wire
import B24Sandbox
import Testing

/// The reads `b24lua snapshot` makes that the sandbox answers for it, over real HTTP, in the
/// shapes of docs/sandbox-fidelity.md ("Snapshot reads").
@Suite struct SnapshotReadTests {
    @Test func userAdminTellsTheCallersOwnFlag() async throws {
        try await LiveSandbox.with { live in
            let admin = try await live.call("user.admin")
            let agent = try await live.call("user.admin", user: 503, code: "sandbox503agent")
            // A webhook without the user scope may ask it too: it is a basic method.
            let crmOnly = try await live.call("user.admin", user: 507, code: "sandbox507crm")
            #expect(admin.result == true)
            #expect(agent.result == false)
            #expect(crmOnly.result == false)
        }
    }

    @Test func configListGivesEveryLineWithItsQueueWhenAsked() async throws {
        try await LiveSandbox.with { live in
            let plain = try await live.call("imopenlines.config.list.get")
            #expect(plain.result == [["ID": "1", "ACTIVE": "Y", "LINE_NAME": "Live Chat"],
                                     ["ID": "2", "ACTIVE": "Y", "LINE_NAME": "Telegram"]])
            let queued = try await live.call("imopenlines.config.list.get", ["OPTIONS": ["QUEUE": "Y"]])
            #expect(queued.result?[0]?["QUEUE"] == ["503"])
            #expect(queued.result?[1]?["QUEUE"] == [])
            try await live.call("imopenlines.config.list.get", user: 507, code: "sandbox507crm")
                .expectError(401, "insufficient_scope", "The request requires higher privileges than provided by the webhook token")
        }
    }

    @Test func dialogGetNamesTheChatsConnectorAndLine() async throws {
        try await LiveSandbox.with { live in
            let r = try await live.call("im.dialog.get", ["DIALOG_ID": "chat1900"])
            #expect(r.result?["entity_type"] == "LINES")
            #expect(r.result?["entity_id"] == "telegrambot|2|3001|1900")
            #expect(r.result?["dialog_id"] == "chat1900")
            try await live.call("im.dialog.get", [:]).expectError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty")
            try await live.call("im.dialog.get", ["DIALOG_ID": "chat99999"])
                .expectError(403, "ACCESS_ERROR", "You do not have access to the specified dialog")
            // Not a member, not an admin.
            try await live.call("im.dialog.get", ["DIALOG_ID": "chat1900"], user: 503, code: "sandbox503agent")
                .expectError(403, "ACCESS_ERROR", "You do not have access to the specified dialog")
        }
    }

    @Test func userListGetIncludesBotsAndNullsUnknownIds() async throws {
        try await LiveSandbox.with { live in
            let r = try await live.call("im.user.list.get", ["ID": [506, 505, 424242]])
            #expect(r.result?["506"]?["bot"] == true)
            #expect(r.result?["506"]?["name"] == "Support Bot")
            #expect(r.result?["505"]?["active"] == false)
            #expect(r.result?["424242"] == .null)
            try await live.call("im.user.list.get", [:]).expectError(400, "ID_EMPTY", "User ID can't be empty")
        }
    }

    /// `"missing_methods"` (docs/sandbox-fidelity.md): a portal without a method answers
    /// `ERROR_METHOD_NOT_FOUND` for it, called alone or in a batch, and only for it.
    @Test func aMissingMethodIsNotFoundAloneAndInABatch() async throws {
        var data = SandboxDataSet.default
        data.missingMethods = ["IMOPENLINES.config.list.get"]
        #expect(data.missingMethods == ["imopenlines.config.list.get"], "names are normalized")
        let back = try SandboxDataSet(fixture: try JSONValue.parse(data.fixture().serialized()))
        #expect(back == data)
        #expect(data.fixture()["missing_methods"] == ["imopenlines.config.list.get"])
        #expect(SandboxDataSet.default.fixture()["missing_methods"] == nil)
        #expect(throws: SandboxDataSetError.self) { try SandboxDataSet(fixture: ["missing_methods": [1]]) }
        try await LiveSandbox.with(SandboxPortal(dataSet: data, options: .unlimited)) { live in
            try await live.call("imopenlines.config.list.get").expectError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
            let b = try await live.call("batch", ["cmd": ["lines": "imopenlines.config.list.get", "me": "user.current"]])
            #expect(b.result?["result_error"]?["lines"]?["error"] == "ERROR_METHOD_NOT_FOUND")
            #expect(b.result?["result"]?["me"]?["ID"] == "1")
        }
    }

    @Test func theSnapshotObjectIsKeptThroughTheFixture() throws {
        var data = SandboxDataSet.default
        data.snapshot = ["portal": "example.bitrix24.com", "approximated": ["access: …"]]
        let back = try SandboxDataSet(fixture: try JSONValue.parse(data.fixture().serialized()))
        #expect(back.snapshot == data.snapshot)
        #expect(throws: SandboxDataSetError.self) {
            try SandboxDataSet(fixture: ["users": [], "snapshot": "yesterday"])
        }
    }
}

/// `b24lua diff`'s comparison: membership changes chat by chat, in the form the README shows.
@Suite struct DataSetDiffTests {
    @Test func equalDataSetsHaveNoChanges() {
        #expect(DataSetDiff(.default, .default).isEmpty)
        #expect(DataSetDiff(.default, .default).lines().isEmpty)
    }

    @Test func aMemberRemovedAndOneAddedAreOneLine() {
        var b = SandboxDataSet.default
        let i = b.chats.firstIndex { $0.id == 1763 }!
        b.chats[i].members = [1, 506, 504]
        let d = DataSetDiff(.default, b)
        #expect(d.lines() == ["lead 1205 chat 1763 (Live Chat): − 503 Anna Petrova, + 504 Boris Ivanov"])
        #expect(d.summary == "1 chat differ: 1 member removed, 1 added")
        let json = d.json(a: "A.json", b: "B.json")
        #expect(json["equal"] == false)
        #expect(json["chats"]?[0]?["removed"] == [["id": 503, "name": "Anna Petrova"]])
        #expect(json["chats"]?[0]?["added"] == [["id": 504, "name": "Boris Ivanov"]])
    }

    @Test func chatsThatCameWentOrClosedAreNamed() {
        var b = SandboxDataSet.default
        b.chats.removeAll { $0.id == 1950 }
        b.chats.append(SandboxChat(id: 1999, line: 2, entity: EntityRef(.contact, 3001), members: [1]))
        let i = b.chats.firstIndex { $0.id == 1801 }!
        b.chats[i].active = false
        #expect(DataSetDiff(.default, b).lines() == [
            "deal 2001 chat 1801 (Live Chat): closed",
            "contact 3001 chat 1999 (Telegram): new chat: 1 Portal Admin",
            "company 4001 chat 1950 (Live Chat): gone (had 1 Portal Admin)",
        ])
    }

    @Test func aSnapshotOfSomeTypesIsComparedOnThoseOnly() {
        var a = SandboxDataSet.default
        a.chats.removeAll { $0.entity.type != .lead }
        a.snapshot = ["entities": ["lead"]]
        #expect(DataSetDiff(a, .default).isEmpty)
        #expect(!DataSetDiff(a, { var b = SandboxDataSet.default; b.chats.removeAll { $0.id == 1763 }; return b }()).isEmpty)
    }
}
