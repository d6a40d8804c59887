import B24
import B24Fuzzing
import B24Sandbox
import Foundation
import Testing

/// Every input the fuzz targets ever crashed on (kept by scripts/fuzz under FuzzRegressions/) and
/// the seed corpora of Fuzz/Corpus, replayed through the same entry points the targets call.
/// The Lua↔JSON target's inputs are replayed by B24LuaTests, which can reach B24Lua.
@Suite struct FuzzRegressionTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = here.deletingLastPathComponent().deletingLastPathComponent()

    /// The files of `<dir>/<target>/`, both for the kept regressions and for the seeds.
    static func inputs(_ target: String) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for dir in [here.appendingPathComponent("FuzzRegressions"), root.appendingPathComponent("Fuzz/Corpus")] {
            let folder = dir.appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) {
                    out.append(("\(target)/\(name)", [UInt8](data)))
                }
            }
        }
        return out
    }

    @Test(arguments: ["FuzzJSONCodec", "FuzzEnvelope", "FuzzPHPQuery", "FuzzMultipart", "FuzzBatchReferences",
                      "FuzzRouter"])
    func replay(_ target: String) {
        let portal = SandboxPortal(options: .unlimited)
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no seeds for \(target)")
        for (_, data) in inputs {
            switch target {
            case "FuzzJSONCodec": _WireFuzzing.jsonCodec(data)
            case "FuzzEnvelope": _WireFuzzing.envelope(data)
            case "FuzzPHPQuery": _SandboxFuzzing.phpQuery(data)
            case "FuzzMultipart": _SandboxFuzzing.multipart(data)
            case "FuzzBatchReferences": _SandboxFuzzing.batchReferences(data)
            default: _SandboxFuzzing.router(data, portal: portal)
            }
        }
    }
}
