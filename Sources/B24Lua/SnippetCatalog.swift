#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// Every snippet `require` can find, in search order, with what shadows what (README "Snippets"):
/// what `b24lua snippets list|show|path` print.
public struct SnippetCatalog: Sendable {
    /// Where a snippet comes from.
    public enum Origin: String, Sendable {
        case script = "script dir"
        case b24luaPath = "B24LUA_PATH"
        case user = "user"
        case shipped = "shipped"
        case lua = "lua"
    }

    /// One place of the search path: a template (`DIR/?.lua`), or the shipped library.
    public struct Place: Equatable, Sendable {
        public var origin: Origin
        /// The template; for the shipped library `b24.snippets.*`.
        public var template: String
    }

    public struct Entry: Sendable {
        public var name: String
        public var origin: Origin
        /// The file, or `shipped:NAME`.
        public var location: String
        public var header: SnippetHeader
        /// The entry `require` finds instead of this one, when there is one.
        public var shadowedBy: Location?
        /// The entries this one hides.
        public var shadows: [Location] = []
    }

    public struct Location: Equatable, Sendable {
        public var origin: Origin
        public var location: String
    }

    /// The search path, in order.
    public let places: [Place]

    /// - Parameters:
    ///   - scriptDirectory: the running script's directory, when there is one.
    ///   - luaPath: Lua's own `package.path` (its defaults, or `LUA_PATH`), searched last.
    public init(scriptDirectory: String?, environment: [String: String], luaPath: String = "") {
        let ours = ModuleSearchPath(scriptDirectory: scriptDirectory, environment: environment).templates
        let user = Self.templates(for: ModuleSearchPath.userSnippetDirectory(environment: environment))
        var places: [Place] = []
        for (i, t) in ours.enumerated() {
            let origin: Origin = scriptDirectory != nil && i < 2 ? .script : user.contains(t) ? .user : .b24luaPath
            places.append(Place(origin: origin, template: t))
        }
        places.append(Place(origin: .shipped, template: SnippetLibrary.namespace + ".*"))
        for t in luaPath.split(separator: ";").map(String.init) where !t.isEmpty && !ours.contains(t) {
            places.append(Place(origin: .lua, template: t))
        }
        self.places = places
    }

    static func templates(for directory: String) -> [String] {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return ["\(dir)/?.lua", "\(dir)/?/init.lua"]
    }

    /// The file or shipped source `require(name)` loads, as Lua's `package.searchpath` finds it.
    public func resolve(_ name: String) -> (location: Location, source: [UInt8])? {
        for place in places {
            if place.origin == .shipped {
                if let source = SnippetLibrary.shippedSource(name) {
                    return (Location(origin: .shipped, location: "shipped:" + name), source)
                }
                continue
            }
            let file = place.template.replacing("?", with: name.replacing(".", with: "/"))
            if let data = FileManager.default.contents(atPath: file), !Self.isDirectory(file) {
                return (Location(origin: place.origin, location: file), Array(data))
            }
        }
        return nil
    }

    /// Every snippet of the script directory, `B24LUA_PATH`, the user directory and the shipped
    /// library (not Lua's standard paths), in search order; later ones with the same name are
    /// marked as shadowed by the first.
    public func entries() -> [Entry] {
        var found: [Entry] = []
        var seenFiles = Set<String>()
        for place in places where place.origin != .lua {
            if place.origin == .shipped {
                for s in SnippetLibrary.shipped {
                    found.append(Entry(name: s.name, origin: .shipped, location: "shipped:" + s.name,
                                       header: SnippetHeader(source: s.source)))
                }
                continue
            }
            for (name, file) in Self.modules(under: place.template) {
                let real = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
                guard seenFiles.insert(real).inserted, let data = FileManager.default.contents(atPath: file) else {
                    continue
                }
                found.append(Entry(name: name, origin: place.origin, location: file,
                                   header: SnippetHeader(source: Array(data))))
            }
        }
        var first: [String: Int] = [:]
        for i in found.indices {
            if let winner = first[found[i].name] {
                found[i].shadowedBy = Location(origin: found[winner].origin, location: found[winner].location)
                found[winner].shadows.append(Location(origin: found[i].origin, location: found[i].location))
            } else {
                first[found[i].name] = i
            }
        }
        return found
    }

    /// The modules a template `DIR/?.lua` or `DIR/?/init.lua` can load: (name, file). Other
    /// template shapes are searched by `require` but not listed.
    static func modules(under template: String) -> [(String, String)] {
        let isInit = template.hasSuffix("/?/init.lua")
        guard isInit || template.hasSuffix("/?.lua") else { return [] }
        let dir = String(template.dropLast(isInit ? "/?/init.lua".count : "/?.lua".count))
        guard !dir.contains("?"), isDirectory(dir) else { return [] }
        var out: [(String, String)] = []
        for rel in files(under: dir) {
            let parts = rel.split(separator: "/").map(String.init)
            guard rel.hasSuffix(".lua"), !isDirectory(dir + "/" + rel) else { continue }
            var components = parts
            components[components.count - 1] = String(components.last!.dropLast(4))
            if isInit {
                guard components.count >= 2, components.last == "init" else { continue }
                components.removeLast()
            } else if components.count >= 2, components.last == "init" {
                continue  // DIR/?/init.lua lists it under its directory's name
            }
            // A dot inside a component cannot be reached: require turns dots into slashes.
            guard components.allSatisfy({ !$0.isEmpty && !$0.contains(".") }) else { continue }
            out.append((components.joined(separator: "."), dir + "/" + rel))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    /// Every entry under `dir`, as paths relative to it, at most 8 levels deep; hidden entries
    /// (`.git`) and what is under them are left out, and a link to a directory is not entered.
    static func files(under dir: String, depth: Int = 1) -> [String] {
        guard depth <= 8, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [String] = []
        for name in names where !name.hasPrefix(".") {
            out.append(name)
            var st = stat()
            if lstat(dir + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                out += files(under: dir + "/" + name, depth: depth + 1).map { name + "/" + $0 }
            }
        }
        return out
    }
}
