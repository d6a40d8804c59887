import Testing

/// The binary links FoundationEssentials, never the whole of Foundation, whose ICU data alone is
/// 34 MB of the installed binary (docs/performance.md, "Size"). The debug build links the Swift
/// libraries dynamically, so a module of the executable that imports Foundation (one of ours,
/// or a dependency's, perhaps through a default package trait) shows as a library it needs.
@Suite struct FoundationLinkTests {
    @Test func theBinaryNeedsFoundationEssentialsButNeitherFoundationNorICU() async throws {
        // readelf: binutils, which scripts/setup installs for scripts/install's strip.
        let r = try await Binary.runAsync("/usr/bin/readelf", ["-d", Binary.b24lua])
        #expect(r.status == 0, "\(r.stderr)")
        let needed = r.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line in
            line.split(separator: "[").last?.split(separator: "]").first.map(String.init)
        }
        #expect(needed.contains("libFoundationEssentials.so"), "\(needed)")
        for library in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so",
                        "libFoundationNetworking.so", "libFoundationXML.so"] {
            #expect(!needed.contains(library), "b24lua needs \(library): a module imports Foundation (docs/performance.md, \"Size\")")
        }
    }
}
