import B24
import B24Lua
import Testing

/// Reading a journal (docs/journal.md): torn lines anywhere are skipped with a warning, a line
/// glued after a torn one is read from where it starts, anything else that is no entry refuses
/// the file by line number.
@Suite struct JournalReaderTests {
    static let intent1 = #"{"v":2,"run":"a","seq":1,"phase":"intent","portal":"sandbox:x","method":"m.add","params":{"A":1}}"#
    static let outcome1 = #"{"v":2,"run":"a","seq":1,"phase":"outcome","portal":"sandbox:x","method":"m.add","ok":true,"result":7}"#
    static let intent2 = #"{"v":2,"run":"b","seq":1,"phase":"intent","portal":"sandbox:x","method":"m.add","params":{"A":2}}"#

    @Test func tornLinesAnywhereAreSkipped() throws {
        var warnings: [String] = []
        let text = [Self.intent1, String(Self.outcome1.prefix(30)), Self.intent2, "{\"v\":2,\"ru"].joined(separator: "\n")
        let writes = try JournaledWrite.read(text, warnings: &warnings)
        #expect(writes.map(\.run) == ["a", "b"])
        #expect(writes[0].ok == nil && writes[0].outcomeUnknown, "its outcome was torn: unknown")
        #expect(writes.map(\.line) == [1, 3])
        #expect(warnings.count == 2 && warnings[0].contains("line 2 is torn") && warnings[1].contains("line 4 is torn"))
    }

    @Test func aLineGluedAfterATornOneIsRead() throws {
        var warnings: [String] = []
        let text = String(Self.intent1.prefix(50)) + Self.intent2 + "\n"
        let writes = try JournaledWrite.read(text, warnings: &warnings)
        #expect(writes.map(\.run) == ["b"])
        #expect(warnings.first?.contains("line 1 starts with a torn entry") == true)
    }

    @Test(arguments: [
        ("hello\n", "line 1 is not a b24lua journal entry"),
        (intent1 + "\n[1,2]\n", "line 2 is not a b24lua journal entry"),
        (intent1 + "\n" + intent1 + "\n", "line 2 repeats the write of line 1"),
        (intent1 + "\n" + outcome1 + "\n" + outcome1 + "\n", "line 3 is a second outcome"),
        (intent1 + "\n" + outcome1.replacing("sandbox:x", with: "sandbox:y") + "\n", "line 2 names another portal"),
    ])
    func foreignLinesRefuseTheFile(_ text: String, _ message: String) {
        #expect {
            _ = try JournaledWrite.read(text)
        } throws: { error in
            (error as? B24Error)?.message.contains(message) == true
        }
    }
}
