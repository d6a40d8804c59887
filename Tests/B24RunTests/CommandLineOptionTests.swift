import B24Run
import Testing

/// `B24Flags.options` is what `--help`, the man page and the completions list
/// (docs/command-line.md): `B24Flags.parse` must read every one of them, and nothing else.
@Suite struct CommandLineOptionTests {
    static func sample(_ name: String) -> String {
        switch name {
        case "--plan": "standard"
        case "--timeout", "--max-memory": "5"
        default: "x"
        }
    }

    @Test(arguments: B24Flags.options.map(\.names[0]))
    func everyListedOptionIsRead(_ name: String) throws {
        let option = try #require(B24Flags.option(named: String(name.dropFirst(2))))
        var flags = B24Flags()
        var i = 0
        let argument = option.value == nil ? name : name + "=" + Self.sample(name)
        try flags.parse(argument, next: nil, consumed: &i)
        #expect(flags != B24Flags(), "\(argument) changed nothing")
        // A value in the next argument, for an option that takes one.
        if option.value != nil, !option.valueIsOptional {
            var next = B24Flags()
            var j = 0
            try next.parse(name, next: Self.sample(name), consumed: &j)
            #expect(next == flags && j == 1)
        } else if option.value == nil {
            #expect(throws: UsageError.self) { try flags.parse(name + "=1", next: nil, consumed: &i) }
        }
    }

    @Test func anOptionNotListedIsRefusedByName() {
        var flags = B24Flags()
        var i = 0
        #expect(throws: UsageError.self) { try flags.parse("--web-hook=https://a.example/rest/1/SECRET/", next: nil, consumed: &i) }
        do {
            try flags.parse("--web-hook=https://a.example/rest/1/SECRET/", next: nil, consumed: &i)
        } catch {
            #expect(error.description == "unrecognized option '--web-hook'")
        }
    }
}
