import Foundation
import Testing

/// scripts/install and scripts/package (README "Install"), with the debug binary the tests
/// already have (`--binary`): the layout, idempotence, uninstall, and the package's contents
/// against what the install puts in place. The release build they make by default is the
/// one scripts/bench measures; CI builds it once (.ci/run).
@Suite struct InstallTests {
    static let layout = ["bin/b24lua", "share/man/man1/b24lua.1", "share/bash-completion/completions/b24lua",
                         "share/zsh/site-functions/_b24lua", "share/fish/vendor_completions.d/b24lua.fish"]

    static func script(_ name: String, _ arguments: [String]) async throws -> ProcessResult {
        let path = Binary.packageRoot.appendingPathComponent("scripts/\(name)").path
        return try await Binary.runAsync("/bin/bash", [path] + arguments, timeout: 300)
    }

    /// Every regular file and link under `dir`, relative to it, sorted.
    static func files(under dir: URL) -> [String] {
        let root = dir.resolvingSymlinksInPath().path
        var out: [String] = []
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(relative)
            }
        }
        return out.sorted()
    }

    @Test func installIsIdempotentRunsAndUninstallsExactlyWhatItPut() async throws {
        let prefix = try Binary.temporaryDirectory()
        let first = try await Self.script("install", ["--prefix", prefix.path, "--binary", Binary.b24lua])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Self.files(under: prefix) == Self.layout.sorted())
        for f in Self.layout { #expect(first.stdout.contains("installed \(prefix.path)/\(f)\n"), "\(first.stdout)") }
        let again = try await Self.script("install", ["--prefix", prefix.path, "--binary", Binary.b24lua])
        #expect(again.status == 0)
        for f in Self.layout { #expect(again.stdout.contains("unchanged \(prefix.path)/\(f)\n"), "\(again.stdout)") }
        #expect(Self.files(under: prefix) == Self.layout.sorted())

        // The installed binary runs a script as the README shows, from anywhere.
        let b24lua = prefix.appendingPathComponent("bin/b24lua").path
        let run = try await Binary.runAsync(b24lua, ["--sandbox", "examples/who-is-where.lua", "503"], directory: Binary.packageRoot)
        #expect(run.status == 0 && !run.stdout.isEmpty, "\(run.stderr)")
        let page = try await Binary.runAsync("/usr/bin/man", ["-l", prefix.appendingPathComponent(Self.layout[1]).path],
                                             environment: ["PAGER": "cat", "MANWIDTH": "100"])
        #expect(page.status == 0 && page.stdout.contains("B24LUA(1)"))

        // Something of the user's under the prefix stays.
        try "mine".write(to: prefix.appendingPathComponent("bin/other"), atomically: true, encoding: .utf8)
        let removed = try await Self.script("install", ["--prefix", prefix.path, "--uninstall"])
        #expect(removed.status == 0)
        for f in Self.layout { #expect(removed.stdout.contains("removed \(prefix.path)/\(f)\n"), "\(removed.stdout)") }
        #expect(Self.files(under: prefix) == ["bin/other"])
        let twice = try await Self.script("install", ["--prefix", prefix.path, "--uninstall"])
        #expect(twice.status == 0 && twice.stdout.isEmpty)
    }

    @Test func badArgumentsAreRefused() async throws {
        let r = try await Self.script("install", ["--prefx=/tmp/secret"])
        #expect(r.status == 2 && r.stderr.contains("'--prefx'") && !r.stderr.contains("secret"), "\(r.stderr)")
        let help = try await Self.script("install", ["--help"])
        #expect(help.status == 0 && help.stdout.contains("--uninstall"))
    }

    /// The .deb holds what scripts/install puts under /usr, depends on Lua and libedit, and is
    /// named for the version --version gives.
    @Test func packageHoldsWhatInstallPutsInPlace() async throws {
        let out = try Binary.temporaryDirectory()
        let made = try await Self.script("package", ["--binary", Binary.b24lua, "--out", out.path, "--compression", "none"])
        #expect(made.status == 0, "\(made.stderr)")
        let version = try await Binary.b24luaAsync(["--version"])
        let number = String(version.stdout.split(separator: "\n")[0].split(separator: " ")[1])
        let deb = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(deb.hasSuffix("/b24lua_\(number)_amd64.deb"), "\(deb)")

        let listing = try await Binary.runAsync("/usr/bin/dpkg-deb", ["-c", deb])
        #expect(listing.status == 0)
        let packaged = listing.stdout.split(separator: "\n").filter { !$0.hasPrefix("d") }
            .compactMap { $0.split(separator: " ").last.map { String($0.dropFirst()) } }.sorted()  // "./usr/…" -> "/usr/…"

        let stage = try Binary.temporaryDirectory()
        let staged = try await Self.script("install", ["--prefix", "/usr", "--destdir", stage.path, "--binary", Binary.b24lua])
        #expect(staged.status == 0)
        let installed = staged.stdout.split(separator: "\n").filter { $0.hasPrefix("installed ") }
            .map { String($0.dropFirst("installed ".count).dropFirst(stage.path.count)) }.sorted()
        #expect(installed.count == 5)
        #expect(packaged == installed, "package \(packaged), install \(installed)")
        #expect(installed.contains("/usr/share/zsh/vendor-completions/_b24lua"))

        for (field, value) in [("Package", "b24lua"), ("Version", number), ("Depends", "liblua5.4-0, libedit2")] {
            let r = try await Binary.runAsync("/usr/bin/dpkg-deb", ["-f", deb, field])
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == value, "\(field): \(r.stdout)")
        }
    }
}
