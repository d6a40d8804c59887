import Foundation
import Testing

/// `b24lua doc --emit luals` and `--emit luacheck` (README "Editors and linters"): generated
/// from doc.lua, checked against the b24 table a run really holds, and run through Debian's
/// luacheck and luac.
@Suite struct EditorSupportTests {
    static func emit(_ format: String) async throws -> URL {
        let r = try await Binary.b24luaAsync(["doc", "--emit", format])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(format): \(r.stderr)")
        let file = try Binary.temporaryDirectory().appendingPathComponent(format == "luals" ? "b24.lua" : "b24.luacheckrc")
        try r.stdout.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func definitionFileCompiles() async throws {
        let file = try await Self.emit("luals")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("---@meta"))
        for tag in ["---@class b24.Error", "---@alias b24.EntityType \"lead\"|\"deal\"|\"contact\"|\"company\"", "---@param t b24.ChatMembershipArgs",
                    "---@return b24.EachReport report", "---@return fun(): any iterator", "---@field entity_type b24.EntityType"] {
            #expect(text.contains(tag), "lacks \(tag)")
        }
        let luac = try await Binary.runAsync("/usr/bin/luac5.4", ["-p", file.path])
        #expect(luac.status == 0, "\(luac.stderr)")
        let config = try await Self.emit("luacheck")
        let luacConfig = try await Binary.runAsync("/usr/bin/luac5.4", ["-p", config.path])
        #expect(luacConfig.status == 0, "\(luacConfig.stderr)")
        let both = try await Binary.b24luaAsync(["doc", "--emit", "luals", "chat_get"])
        #expect(both.status == 2)
        let unknown = try await Binary.b24luaAsync(["doc", "--emit", "vim"])
        #expect(unknown.status == 2)
    }

    /// What the b24 table of a sandbox run holds: its fields, b24.try's and b24.sandbox's, the
    /// fields of error objects (a client one with an argument, a portal one with a status), of
    /// b24.each's report and its failures, and each chat function's keys.
    static let probe = #"""
        local function keys(t, prefix)
          for k in pairs(t) do if not k:match("^_") then print(prefix .. k) end end
        end
        keys(b24, "b24 ")
        keys(b24.try, "try ")
        keys(b24.sandbox, "sandbox ")
        local _, usage = b24.try.chat_user_delete{entity_type = "lead", entity = "x", user = 503}
        local _, rest = b24.try.chat_user_delete{entity_type = "lead", entity = 1205, user = 504}
        for _, e in ipairs{usage, rest} do keys(e, "Error ") keys(getmetatable(e).__index, "Error ") end
        local report = b24.each({1}, function() error("no") end)
        keys(report, "EachReport ")
        keys(report.failed[1], "EachFailure ")
        print("list " .. type(b24.list("user.get")))
        for name, list in pairs(b24._arguments) do for _, k in ipairs(list) do print("args:" .. name .. " " .. k) end end
        """#

    @Test func everyNameTheTableHoldsIsAnnotatedAndNoOther() async throws {
        let run = try await Binary.b24luaAsync(["--sandbox", "--quiet", "-e", Self.probe])
        #expect(run.status == 3, "\(run.stderr)")  // the report's failed item
        var held: [String: Set<String>] = [:]
        for line in run.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { held[parts[0], default: []].insert(parts[1]) }
        }
        #expect(held["list"] == ["function"])

        let text = try String(contentsOf: try await Self.emit("luals"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var annotated: [String: Set<String>] = [:]
        var params: [String] = []
        var argsClass: [String: String] = [:]
        var currentClass: String?
        for line in lines {
            if line.hasPrefix("---@class ") {
                currentClass = line.split(separator: " ").last.map(String.init)
            } else if line.hasPrefix("---@field "), let c = currentClass {
                let name = String(line.split(separator: " ")[1]).replacing("?", with: "")
                annotated[c.replacing("b24.", with: ""), default: []].insert(name)
            } else if !line.hasPrefix("---") {
                currentClass = nil
            }
            if line.hasPrefix("---@param ") { params.append(line) }
            var definition = line
            if definition.hasPrefix("function ") { definition = String(definition.dropFirst("function ".count)) }
            else if !definition.hasPrefix("b24.") { continue }
            let path = definition.prefix { $0 != "(" && $0 != " " }.split(separator: ".").map(String.init)
            if path.count == 2 { annotated["b24", default: []].insert(path[1]) }
            if path.count == 3 { annotated[path[1], default: []].insert(path[2]) }
            if path.count == 2, let p = params.first, p.hasPrefix("---@param t ") {
                argsClass[path[1]] = String(p.split(separator: " ")[2].dropFirst("b24.".count))
            }
            params = []
        }
        for table in ["b24", "try", "sandbox", "Error", "EachReport", "EachFailure"] {
            #expect(annotated[table] == held[table], "\(table): annotated but not held \(annotated[table, default: []].subtracting(held[table, default: []])), held but not annotated \(held[table, default: []].subtracting(annotated[table, default: []]))")
        }
        // Each chat function's keys are exactly those it accepts.
        for (name, keys) in held where name.hasPrefix("args:") {
            let function = String(name.dropFirst(5))
            let cls = try #require(argsClass[function], "\(function) has no argument class")
            #expect(annotated[cls] == keys, "\(function): \(annotated[cls] ?? []) against \(keys)")
        }
    }

    static func luacheck(_ config: URL, _ files: [String]) async throws -> ProcessResult {
        try await Binary.runAsync("/usr/bin/luacheck", ["--no-color", "--codes", "--config", config.path] + files,
                                  directory: Binary.packageRoot)
    }

    /// Debian's luacheck with the emitted std: the examples and the shipped snippets are clean,
    /// a misspelt b24 function is reported by name.
    @Test func luacheckPassesTheExamplesAndCatchesAMisspeltFunction() async throws {
        let config = try await Self.emit("luacheck")
        let root = Binary.packageRoot
        var files: [String] = []
        for dir in ["examples", "Sources/B24Lua/Resources/snippets"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path).sorted()
            where name.hasSuffix(".lua") { files.append("\(dir)/\(name)") }
        }
        #expect(files.count >= 8)
        let clean = try await Self.luacheck(config, files)
        #expect(clean.status == 0 && clean.stdout.contains("Total: 0 warnings / 0 errors"), "\(clean.stdout)\(clean.stderr)")

        let dir = try Binary.temporaryDirectory()
        let fixture = dir.appendingPathComponent("typo.lua")
        try """
            local chat = b24.chat_user_delet{entity_type = "lead", entity = 1205, user = 503}
            print(chat, b24.try.chat_get{entity_type = "deal", entity = 1}, b24.portal)
            """.write(to: fixture, atomically: true, encoding: .utf8)
        let typo = try await Self.luacheck(config, [fixture.path])
        #expect(typo.status != 0)
        #expect(typo.stdout.contains("accessing undefined field 'chat_user_delet' of global 'b24'"), "\(typo.stdout)")
        #expect(typo.stdout.contains("Total: 1 warning"), "\(typo.stdout)")
    }
}
