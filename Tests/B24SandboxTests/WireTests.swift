import B24
import B24Sandbox
import Testing

@Suite struct WireTests {
    @Test func phpBracketQueries() {
        let q = PHPQuery.parse("a=1&f[TITLE]=John%26Martin&select[]=ID&select[]=NAME&m[x][]=1&m[x][]=2&plus=a+b&bad=%zz")
        #expect(q["a"] == "1")
        #expect(q["f"] == ["TITLE": "John&Martin"])
        #expect(q["select"] == ["ID", "NAME"])
        #expect(q["m"] == ["x": ["1", "2"]])
        #expect(q["plus"] == "a b")
        #expect(q["bad"] == "%zz")
    }

    @Test func formQueryStringJSONSuffixAndMultipart() async throws {
        try await LiveSandbox.with { live in
            let hook = "/rest/1/\(SandboxDataSet.defaultWebhookCode)"
            let form = try await live.send(.post, "\(hook)/imopenlines.crm.chat.getLastId.json",
                                           body: "CRM_ENTITY_TYPE=deal&CRM_ENTITY=2001",
                                           contentType: "application/x-www-form-urlencoded")
            #expect(form.result == 1801)
            let get = try await live.send(.get, "\(hook)/user.get?FILTER[%3EID]=1058&start=0", contentType: nil)
            #expect(get.result?.arrayValue?.compactMap { $0["ID"]?.stringValue } == ["1059", "1060"])
            #expect(get.json?["total"] == 2)
            let boundary = "XyZ"
            let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"CRM_ENTITY_TYPE\"\r\n\r\nlead\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"CRM_ENTITY\"\r\n\r\n1205\r\n--XyZ--\r\n"
            let mp = try await live.send(.post, "\(hook)/imopenlines.crm.chat.getLastId", body: multipart,
                                         contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(mp.result == 1763)
            // A body of another type is ignored, as PHP ignores it; the query still counts.
            let plain = try await live.send(.post, "\(hook)/imopenlines.crm.chat.getLastId?CRM_ENTITY_TYPE=lead",
                                            body: "CRM_ENTITY=1205", contentType: "text/plain")
            plain.expectError(400, "CRM_CHAT_EMPTY_CRM_DATA", "Empty CRM data")
        }
    }

    @Test func pagingOfUserGetAndItemList() async throws {
        try await LiveSandbox.with { live in
            let first = try await live.call("user.get")
            #expect(first.result?.arrayValue?.count == 50)
            #expect(first.json?["next"] == 50)
            #expect(first.json?["total"] == 66)   // 67 users minus the bot
            let second = try await live.call("user.get", ["start": 50])
            #expect(second.result?.arrayValue?.count == 16)
            #expect(second.json?["next"] == nil)
            let fast = try await live.call("user.get", ["start": -1, "FILTER": [">ID": 1000]])
            #expect(fast.json?["total"] == 0 && fast.result?.arrayValue?.count == 50)
            let items = try await live.call("crm.item.list", ["entityTypeId": 1, "filter": ["%title": "bulk"], "start": 50])
            #expect(items.result?["items"]?.arrayValue?.count == 10)
            #expect(items.json?["total"] == 60)
            let byResp = try await live.call("crm.item.list", ["entityTypeId": 4, "filter": ["assignedById": 1]])
            #expect(byResp.result?["items"]?[0]?["title"] == "Acme LLC")
            let search = try await live.call("user.search", ["FIND": "petrova"])
            #expect(search.result?[0]?["ID"] == "503")
            let lead = try await live.call("crm.lead.get", ["id": "1205"])
            #expect(lead.result?["HAS_IMOL"] == "Y")
            try await live.call("crm.lead.get", ["id": "x"]).expectError(400, "", "ID is not defined or invalid")
            try await live.call("crm.deal.get", ["id": 5]).expectError(400, "", "Not found")
        }
    }
}
