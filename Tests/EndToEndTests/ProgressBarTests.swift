import Foundation
import Testing

/// `b24.each` draws a progress bar on stderr when stderr is a terminal, and only then.
@Suite struct ProgressBarTests {
    static let script = """
        local leads = {}
        for lead = 1300, 1359 do leads[#leads + 1] = lead end
        local r = b24.each(leads, function(lead)
          b24.chat_user_delete{entity_type = "lead", entity = lead, user = 506}
        end)
        print("done", r.ok)
        """

    @Test func drawnOnATerminal() async throws {
        let home = try Binary.temporaryDirectory()
        let tty = try PseudoTerminal([try PseudoTerminal.binary(), "--sandbox", "--plan", "unlimited", "-e", Self.script],
                                     environment: ["HOME": home.path, "TERM": "xterm"])
        let seen = try await tty.expect("done\t60")
        #expect(seen.contains("each ["))
        #expect(seen.contains("60/60"))
        #expect(await tty.waitForExit() == 0)
    }

    @Test func notDrawnWithQuietOnATerminal() async throws {
        let home = try Binary.temporaryDirectory()
        let tty = try PseudoTerminal([try PseudoTerminal.binary(), "--sandbox", "--plan", "unlimited", "--quiet", "-e", Self.script],
                                     environment: ["HOME": home.path, "TERM": "xterm"])
        let seen = try await tty.expect("done\t60")
        #expect(!seen.contains("each ["))
        #expect(await tty.waitForExit() == 0)
    }

    @Test func notDrawnWhenPiped() async throws {
        let r = try await Binary.b24luaAsync(["--sandbox", "--plan", "unlimited", "-e", Self.script])
        #expect(r.stdout == "done\t60\n")
        #expect(r.stderr.isEmpty)
    }
}
