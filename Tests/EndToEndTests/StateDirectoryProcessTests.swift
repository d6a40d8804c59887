import Foundation
import Glibc
import Testing

/// b24lua keeps state (the shared limit file, the token cache, REPL history) only in a
/// directory that is the user's and not writable by anyone else, as ssh does with ~/.ssh
/// (docs/shared-limit.md, "Where state lives"). The tests run as root: "another user's" is a
/// directory given to uid 65534.
@Suite struct StateDirectoryProcessTests {
    @Test(arguments: ["another user's", "group-writable", "world-writable"])
    func anUnsafeStateDirectoryIsRefusedAndNamed(_ how: String) async throws {
        let dir = try Binary.temporaryDirectory()
        let state = dir.appendingPathComponent("state/b24lua")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        switch how {
        case "another user's": #expect(chown(state.path, 65534, 65534) == 0)
        case "group-writable": #expect(chmod(state.path, 0o770) == 0)
        default: #expect(chmod(state.path, 0o1777) == 0)
        }
        let sandbox = try await LiveSandbox.start()
        // No runtime directory: the limit file would go to the state directory.
        let r = try await Binary.runAsync(
            "/usr/bin/env", ["-u", "XDG_RUNTIME_DIR", "XDG_STATE_HOME=" + dir.appendingPathComponent("state").path,
                             "XDG_CONFIG_HOME=" + dir.path, Binary.b24lua,
                             "--webhook", sandbox.webhookURL, "--plan", "1000/1000", "-e", "b24.call('user.current') print('done')"],
            timeout: 60)
        await sandbox.stop()
        #expect(r.status == 0 && r.stdout == "done\n", "the run goes on, with a limit of its own: \(r.stderr)")
        #expect(r.stderr.contains(state.path), "the message names the directory: \(r.stderr)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? []
        #expect(files.isEmpty, "nothing written there: \(files)")
    }
}
