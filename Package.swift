// swift-tools-version:6.2
import PackageDescription

// Layers, bottom up (README "Where things live"): CLua/CLuaSupport -> LuaHost; B24Wire (the wire
// types and the REST facts both sides read) -> B24 (the client) and B24Sandbox (the portal), which
// do not depend on each other, so the sandbox links no HTTP client; LuaHost + B24 -> B24Lua;
// B24Run wires a run (portal choice -> client -> module); the executable is the command line
// over it. B24Fuzzing (the fuzz harnesses) is for Fuzz/ and the tests only:
// the executable does not link it.
let package = Package(
    name: "b24lua",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "b24lua", targets: ["b24lua"]),
        // For the fuzz package in Fuzz/ (docs/sandbox-wire.md), which builds with -sanitize=fuzzer:
        // the harnesses, and the sandbox portal the router target routes through.
        .library(name: "B24Fuzzing", targets: ["B24Fuzzing"]),
        .library(name: "B24Sandbox", targets: ["B24Sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        // Without its default traits: "FullFoundation" imports the whole of Foundation, and
        // with it ICU's data, into every binary (docs/performance.md, "Size").
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CLuaSupport", dependencies: ["CLua"]),
        .target(name: "LuaHost", dependencies: ["CLua", "CLuaSupport"]),
        .target(name: "B24Wire"),
        .target(
            name: "B24",
            dependencies: [
                "B24Wire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "B24Sandbox",
            dependencies: [
                "B24Wire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "B24Lua",
            dependencies: ["LuaHost", "B24Wire", "B24", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            resources: [.embedInCode("Resources")]
        ),
        .target(
            name: "B24Run",
            dependencies: [
                "LuaHost", "B24Wire", "B24", "B24Sandbox", "B24Lua",
                // B24Flags is ArgumentParser's ParsableArguments (docs/command-line.md).
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The properties the fuzz targets check, replayed by the regression tests
        // (docs/sandbox-wire.md); `package` access reaches the internals they exercise.
        .target(name: "B24Fuzzing", dependencies: ["B24Wire", "B24", "B24Sandbox", "B24Lua", "LuaHost"]),
        .executableTarget(
            name: "b24lua",
            dependencies: [
                "LuaHost", "B24Wire", "B24", "B24Sandbox", "B24Lua", "B24Run", "CLibEdit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // Release only, the link only (docs/performance.md): lld packs the relative
            // relocations (DT_RELR, glibc 2.36), and only what a dynamic build exports is
            // exported, which matters with --static-swift-stdlib (its link passes -export-dynamic).
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                              "-Xlinker", "--no-export-dynamic"], .when(configuration: .release)),
            ],
            // The git commit for `b24lua --version` (docs/command-line.md).
            plugins: ["BuildInfo"]
        ),
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .testTarget(name: "LuaHostTests", dependencies: ["LuaHost", "CLua"]),
        .testTarget(
            name: "B24Tests",
            dependencies: [
                "B24Wire", "B24", "B24Sandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "B24SandboxTests",
            dependencies: [
                "B24Sandbox", "B24Wire", "B24", "B24Fuzzing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["FuzzRegressions"]
        ),
        .testTarget(name: "B24LuaTests", dependencies: ["B24Lua", "LuaHost", "B24Wire", "B24", "B24Sandbox", "B24Fuzzing"]),
        .testTarget(name: "B24RunTests", dependencies: ["B24Run", "B24Lua", "LuaHost", "B24Wire", "B24", "B24Sandbox"]),
        .testTarget(name: "EndToEndTests", dependencies: ["B24Wire", "B24", "B24Sandbox"]),
    ]
)
