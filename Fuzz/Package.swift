// swift-tools-version:6.2
// libFuzzer targets for the wire codecs and the sandbox (docs/sandbox-wire.md). A package of its
// own so the root package's `swift build` and `swift test` never see a fuzzer entry point.
// Built by scripts/fuzz: swift build --package-path Fuzz --scratch-path .build-fuzz -c release --sanitize=fuzzer
import Foundation
import PackageDescription

// A path dependency is named after its directory, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootName = root.lastPathComponent.lowercased()

func fuzzer(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: products.map { .product(name: $0, package: rootName) },
                      path: "Sources/\(name)")
}

let package = Package(
    name: "b24lua-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        fuzzer("FuzzJSONCodec", ["B24Fuzzing"]),
        fuzzer("FuzzEnvelope", ["B24Fuzzing"]),
        fuzzer("FuzzPHPQuery", ["B24Fuzzing"]),
        fuzzer("FuzzMultipart", ["B24Fuzzing"]),
        fuzzer("FuzzBatchReferences", ["B24Fuzzing"]),
        fuzzer("FuzzRouter", ["B24Fuzzing", "B24Sandbox"]),
        fuzzer("FuzzLuaJSON", ["B24Fuzzing"]),
    ]
)
