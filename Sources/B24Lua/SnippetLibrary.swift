import LuaHost

/// The snippets shipped inside the binary (`b24.snippets.*`, README "The shipped library") and
/// the `require` searcher that finds them between the user's directories and Lua's standard paths.
public enum SnippetLibrary {
    public static let namespace = "b24.snippets"

    /// Every shipped snippet, by module name, in the order `snippets list` shows them.
    /// A new one: a file in `Resources/snippets/` and a line here.
    public static var shipped: [(name: String, source: [UInt8])] {
        [
            ("b24.snippets.entity_chats", PackageResources.entity_chats_lua),
            ("b24.snippets.user_chats", PackageResources.user_chats_lua),
            ("b24.snippets.remove_user", PackageResources.remove_user_lua),
            ("b24.snippets.replace_member", PackageResources.replace_member_lua),
            ("b24.snippets.remove_bot_from_line", PackageResources.remove_bot_from_line_lua),
        ]
    }

    /// The shipped source of module `name`, if the binary has it.
    public static func shippedSource(_ name: String) -> [UInt8]? {
        shipped.first { $0.name == name }?.source
    }

    /// Replaces Lua's file searcher (`package.searchers[2]`) with one that looks in `path`'s
    /// templates (text only), then the shipped library, then the rest of `package.path`.
    /// Call once, after `path.install(in:)`. `confined` (`--safe`): only `path` and the shipped
    /// library are searched, whatever the script does to `package.path`, and a module's file is
    /// opened only beneath its template's directory (`LuaStack.pushConfinedModuleSearch`).
    public static func installSearcher(in stack: LuaStack, path: ModuleSearchPath, confined: Bool = false) throws(LuaError) {
        let base = stack.top
        defer { stack.top = base }
        try stack.load(PackageResources.snippets_searcher_lua, chunkName: "=b24lua.snippets_searcher")
        stack.push(path.templates.joined(separator: ";"))
        let list = shipped
        stack.newTable(arrayCount: 0, hashCount: Int32(list.count))
        for s in list {
            stack.push(bytes: s.source)
            stack.rawSet(-2, key: s.name)
        }
        if confined {
            try stack.pushConfinedModuleSearch(path)
        } else {
            stack.push(false)
        }
        try stack.call(nargs: 3, nresults: 0)
    }

    /// The Lua that `b24lua snippets run` executes: requires the snippet and calls its `main`
    /// (or the snippet itself when it is a function) with the arguments; a returned report
    /// with failed items is left in `failedGlobal` for the exit status.
    /// A snippet's `usage` string (`"USER [TYPE...]"`) names its arguments; with fewer than its
    /// required ones (the words not in brackets) `main` is not called, and the usage line,
    /// `usage: b24lua snippets run SHOWN USAGE`, is left in `usageGlobal`.
    public static func runnerChunk(module: String, arguments: [String], shownAs: String? = nil) -> String {
        let args = arguments.map(luaLiteral).joined(separator: ", ")
        return """
            local name, args = \(luaLiteral(module)), {\(args)}
            arg = {[0] = name, table.unpack(args)}
            local m = require(name)
            local main = type(m) == "function" and m or (type(m) == "table" and m.main)
            if type(main) ~= "function" then
              error(("snippet '%s' is a library, not a script: it has no main function; " ..
                     "require it from a script instead"):format(name), 0)
            end
            local usage = type(m) == "table" and rawget(m, "usage")
            if type(usage) == "string" then
              local required = 0
              for word in usage:gmatch("%S+") do
                if not word:find("^%[") then required = required + 1 end
              end
              if #args < required then
                \(usageGlobal) = "usage: b24lua snippets run " .. \(luaLiteral(shownAs ?? module)) .. " " .. usage
                return
              end
            end
            local report = main(table.unpack(args))
            if type(report) == "table" and type(report.failed) == "table" then
              \(failedGlobal) = #report.failed
            end
            """
    }

    /// Where `runnerChunk` leaves the count of failed items of the report `main` returned.
    public static let failedGlobal = "_B24LUA_SNIPPET_FAILED"
    /// Where `runnerChunk` leaves the usage line when arguments are missing.
    public static let usageGlobal = "_B24LUA_SNIPPET_USAGE"

    /// A Lua string literal for any bytes (quotes, newlines and non-ASCII escaped as `\ddd`).
    static func luaLiteral(_ s: String) -> String {
        var out = "\""
        for b in s.utf8 {
            let safe = (b >= 0x20 && b < 0x7F) && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\")
            out += safe ? String(UnicodeScalar(b)) : "\\" + String(format3(b))
        }
        return out + "\""
    }

    private static func format3(_ b: UInt8) -> String {
        let d = String(b)
        return String(repeating: "0", count: 3 - d.count) + d
    }
}

/// The first comment block of a snippet: its documentation (README "Writing and sharing one").
public struct SnippetHeader: Equatable, Sendable {
    /// The comment text, without the `--` markers.
    public var text: String
    /// Its first non-empty line: what `snippets list` shows.
    public var summary: String

    /// Reads the leading `--` lines (or one `--[[ … ]]` block) after an optional `#!` line.
    public init(source: [UInt8]) {
        var lines = String(decoding: source, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.first?.hasPrefix("#") == true { lines.removeFirst() }
        while let first = lines.first, first.trimmingSpaces.isEmpty { lines.removeFirst() }
        var body: [String] = []
        if let first = lines.first, let open = Self.longCommentOpening(first) {
            let afterOpen = lines.joined(separator: "\n").dropFirst(open.length)
            let inner = afterOpen.firstRange(of: "]" + open.equals + "]").map { afterOpen[..<$0.lowerBound] } ?? afterOpen
            body = inner.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        } else {
            for line in lines {
                let t = line.trimmingSpaces
                guard t.hasPrefix("--") else { break }
                var content = t.drop { $0 == "-" }
                if content.first == " " { content = content.dropFirst() }
                body.append(String(content))
            }
        }
        while let last = body.last, last.trimmingSpaces.isEmpty { body.removeLast() }
        while let first = body.first, first.trimmingSpaces.isEmpty { body.removeFirst() }
        text = body.joined(separator: "\n")
        summary = body.first?.trimmingSpaces ?? ""
    }

    /// `--[[` or `--[==[` at the start of a line: its length and its run of `=`.
    private static func longCommentOpening(_ line: String) -> (length: Int, equals: String)? {
        guard line.hasPrefix("--[") else { return nil }
        let equals = line.dropFirst(3).prefix { $0 == "=" }
        guard line.dropFirst(3 + equals.count).first == "[" else { return nil }
        return (4 + equals.count, String(equals))
    }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension SnippetLibrary {
    /// What `b24lua snippets new NAME` writes: a documented snippet that compiles, runs (doing
    /// nothing) and shows the shape every shipped snippet has.
    public static func skeleton(name: String) -> String {
        let short = name.split(separator: ".").last.map(String.init) ?? name
        return """
            -- TODO: one line saying what \(name) does (`b24lua snippets list` shows this line).
            --
            -- Usage:
            --   local \(short) = require "\(name)"
            --   local report = \(short).run{user = 503}
            --   b24lua snippets run --sandbox \(name) 503
            --
            -- Parameters (one table):
            --   user    TODO: what each key means, and which are required
            --
            -- Returns: the b24.each report {ok=, failed={{item=, error=}}, skipped=}.
            --
            -- Writes: TODO: every write it makes (e.g. one imopenlines.crm.chat.user.delete per
            -- chat), or "nothing". Under --journal each write is journaled; under --dry-run planned.
            local b24 = require "b24"

            local M = {}

            --- The work, for scripts and other snippets: `require "\(name)".run{...}`.
            function M.run(opts)
              opts = opts or {}
              -- The items to work on, e.g. the chats a user is in:
              --   local chats = require("b24.snippets.user_chats").find{user = opts.user}
              local items = opts.items or {}
              return b24.each(items, function(item)
                -- One b24 call per item; b24.each sends them in batches, e.g.
                --   b24.chat_user_delete{entity_type = item.entity_type, entity = item.entity,
                --                        user = opts.user, chat = item.chat}
              end)
            end

            --- As a script: `b24lua snippets run \(name) ARGS...` calls main(ARGS...).
            function M.main(...)
              local report = M.run{user = ...}
              print(("\(name): ok %d, failed %d, skipped %d"):format(report.ok, #report.failed, report.skipped))
              return report
            end

            return M

            """
    }

    /// A module name `snippets new` accepts: Lua identifiers joined by dots.
    public static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
            return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
    }
}
