import Foundation
import Glibc
import Testing
@testable import B24

/// The one place that decides where state lives and whether a directory may hold it
/// (docs/shared-limit.md, "Where state lives"). The tests run as root: "another user's" is a
/// directory given to uid 65534, as root may.
@Suite struct StateDirectoryTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func refusal(_ path: String) -> StateDirectory.Refusal? {
        if case .refused(let r) = StateDirectory.prepare(path) { return r }
        return nil
    }

    @Test func withoutHomeItIsNeverTheSharedTemporaryDirectory() {
        let planted = dir.appendingPathComponent("tmp").path
        let chosen = StateDirectory.state(environment: ["TMPDIR": planted])
        #expect(chosen?.hasPrefix(planted) == false, "\(chosen ?? "none")")
        #expect(chosen?.hasSuffix("/.local/state/b24lua") == true, "the home of the password database: \(chosen ?? "none")")
        #expect(StateDirectory.runtime(environment: ["TMPDIR": planted]) == chosen)
        #expect(StateDirectory.state(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/b24lua")
        #expect(StateDirectory.state(environment: ["HOME": "/h"]) == "/h/.local/state/b24lua")
        #expect(StateDirectory.runtime(environment: ["XDG_RUNTIME_DIR": "/run/user/7", "HOME": "/h"]) == "/run/user/7/b24lua")
    }

    @Test func aDirectoryOfItsOwnIsCreatedPrivateAndResolved() throws {
        let target = dir.appendingPathComponent("a/b/b24lua").path
        let link = dir.appendingPathComponent("link").path
        #expect(symlink(dir.appendingPathComponent("a").path, link) == 0)
        #expect(StateDirectory.prepare(target) == .ready(target))
        #expect(StateDirectory.prepare(link + "/b/b24lua") == .ready(target), "links resolved")
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test(arguments: ["another user's", "group-writable", "world-writable and sticky", "a file"])
    func anUnsafeDirectoryIsRefusedByName(_ how: String) throws {
        let target = dir.appendingPathComponent("b24lua").path
        if how == "a file" {
            #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        } else {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        }
        switch how {
        case "another user's": #expect(chown(target, 65534, 65534) == 0)
        case "group-writable": #expect(chmod(target, 0o770) == 0)
        case "world-writable and sticky": #expect(chmod(target, 0o1777) == 0)
        default: break
        }
        let r = try #require(refusal(target))
        #expect(r.description.contains(target), "\(r)")
    }

    /// Root with another user's HOME (`sudo -E`, a cron job's environment): the state directory
    /// is refused, and nothing is made in that home either. Directories root created there
    /// (`~/.local`, `~/.local/state`) would be root's, and the user could no longer use them.
    @Test func nothingIsCreatedInAnotherUsersHome() throws {
        let home = dir.appendingPathComponent("home").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        #expect(chown(home, 65534, 65534) == 0)
        let r = try #require(refusal(home + "/.local/state/b24lua"))
        #expect(r.description.contains(home), "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty, "created in their home")
        // Nor below a directory every user may write to (not sticky).
        let open = dir.appendingPathComponent("open").path
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
        #expect(chmod(open, 0o777) == 0)
        #expect(refusal(open + "/state/b24lua") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: open).isEmpty)
    }

    @Test func aDirectoryBelowAnotherUsersIsRefused() throws {
        // Another user made the parent first (as /tmp/.local would be): they can swap what is in it.
        let theirs = dir.appendingPathComponent(".local").path
        try FileManager.default.createDirectory(atPath: theirs, withIntermediateDirectories: false)
        #expect(chown(theirs, 65534, 65534) == 0)
        let r = try #require(refusal(theirs + "/state/b24lua"))
        #expect(r.description.contains(theirs), "\(r)")
        // Below a directory others can write to, unless it is sticky as /tmp is.
        let open = dir.appendingPathComponent("open").path
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
        #expect(chmod(open, 0o777) == 0)
        #expect(refusal(open + "/b24lua") != nil)
        #expect(chmod(open, 0o1777) == 0)
        #expect(refusal(open + "/b24lua") == nil)
    }

    @Test func theTokenCacheNeverGoesToAnUnsafeDirectory() throws {
        let target = dir.appendingPathComponent("b24lua").path
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        #expect(chmod(target, 0o777) == 0)
        let file = TokenFile(directory: target, origin: "https://a.bitrix24.ru", clientId: "app", seed: "R0")
        #expect(throws: B24Error.self) { try file.store(OAuthTokens(accessToken: "A1", refreshToken: "R1")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        // Nor is one read from there (another user could have put it there).
        #expect(chmod(target, 0o700) == 0)
        try file.store(OAuthTokens(accessToken: "A1", refreshToken: "R1"))
        #expect(file.load() != nil)
        #expect(chown(target, 65534, 65534) == 0)
        #expect(file.load() == nil)
    }
}
