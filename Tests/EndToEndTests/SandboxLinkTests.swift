import Foundation
import Testing

/// The sandbox portal is a server: it shares the wire types and the REST facts with the client
/// through B24Wire, and links nothing of the client, nor of its HTTP stack (docs/architecture.md,
/// "Layers"). SwiftPM's build description holds, for each module, the whole closure of modules it
/// depends on: the modules whose objects every binary that links it gets.
@Suite struct SandboxLinkTests {
    static func dependencyMap() throws -> [String: [String]] {
        let url = Binary.packageRoot.appendingPathComponent(".build/debug/description.json")
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any]
        return try #require(object?["targetDependencyMap"] as? [String: [String]],
                            "no targetDependencyMap in \(url.path) (written by `swift build`)")
    }

    @Test func theSandboxLinksNeitherTheClientNorAnHTTPClient() throws {
        let map = try Self.dependencyMap()
        let sandbox = try #require(map["B24Sandbox"])
        // What it must have, so that the map read is the real one: its wire types and its server.
        #expect(sandbox.contains("B24Wire"), "\(sandbox)")
        #expect(sandbox.contains("Hummingbird"), "\(sandbox)")
        for module in ["B24", "AsyncHTTPClient", "CAsyncHTTPClient", "NIOSSL", "CNIOBoringSSL", "NIOHTTP2",
                       "NIOSOCKS", "NIOHTTPCompression"] {
            #expect(!sandbox.contains(module), "B24Sandbox links \(module): \(sandbox.sorted())")
        }
    }

    /// The shared layer is the bottom one: it depends on nothing, so neither side gets more
    /// through it than the types they share.
    @Test func theWireLayerDependsOnNothing() throws {
        let map = try Self.dependencyMap()
        #expect(map.keys.contains("B24Wire"))
        #expect((map["B24Wire"] ?? []).isEmpty, "\(map["B24Wire"] ?? [])")
        #expect(map["B24"]?.contains("B24Wire") == true)
    }
}
