import Testing

/// The subcommands parsed by ArgumentParser keep b24lua's exit statuses (README "Exit
/// statuses"): a usage error is 2, never ArgumentParser's 64; `--help` prints and exits 0;
/// usage lines name the program.
@Suite struct SubcommandTests {
    @Test(arguments: [
        ["doc", "chat_get", "extra"],
        ["doc", "--no-such-option"],
        ["check", "--no-such-option"],
        ["snippets", "bogus"],
        ["snippets", "show"],
        ["snippets", "run"],
        ["sandbox", "dump", "--data"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) async throws {
        let r = try await Binary.b24luaAsync(arguments)
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("b24lua: \(arguments[0]): ") || r.stderr.hasPrefix("b24lua: usage"), "\(r.stderr)")
        #expect(r.stderr.contains("b24lua"), "\(r.stderr)")
    }

    @Test(arguments: [
        (["check", "--help"], "USAGE: b24lua check"),
        (["doc", "--help"], "USAGE: b24lua doc"),
        (["repl", "--help"], "USAGE: b24lua repl"),
        (["snippets", "--help"], "USAGE: b24lua snippets"),
        (["snippets", "run", "--help"], "USAGE: b24lua snippets run"),
        (["sandbox", "serve", "--help"], "USAGE: b24lua sandbox serve"),
    ])
    func helpExitsZero(_ arguments: [String], _ usage: String) async throws {
        let r = try await Binary.b24luaAsync(arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        #expect(r.stdout.contains(usage), "\(arguments): \(r.stdout)")
    }

    @Test func snippetsWithoutASubcommandLists() async throws {
        let plain = try await Binary.b24luaAsync(["snippets"])
        let list = try await Binary.b24luaAsync(["snippets", "list"])
        #expect(plain.status == 0 && plain.stdout == list.stdout && plain.stdout.contains("b24.snippets.remove_user"))
    }
}
