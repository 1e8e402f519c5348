// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "ThinkBeforeDraw",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tbd", targets: ["tbd"]),
        .library(name: "FACSKnowledge", targets: ["FACSKnowledge"]),
        .library(name: "CoTFA", targets: ["CoTFA"]),
        .library(name: "ReviewQueue", targets: ["ReviewQueue"]),
        .library(name: "Renderer", targets: ["Renderer"]),
        .library(name: "MediaIO", targets: ["MediaIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
    ],
    targets: [
        // C shims: one system library each, linked against Debian's packages.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libswresample-dev", "libavutil-dev"])]),

        // Turns files under Resources/ into Swift source, so the binary carries its data wherever it is installed.
        .executableTarget(name: "resource-embedder", path: "Sources/resource-embedder"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["resource-embedder"]),

        .target(name: "FACSKnowledge", plugins: ["EmbedResources"]),
        .target(name: "MediaIO", dependencies: ["CFFmpeg"]),
        .target(
            name: "CoTFA",
            dependencies: [
                "FACSKnowledge", "MediaIO", "CCurl", "ReviewQueue",
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedResources"]),
        .target(
            name: "ReviewQueue",
            dependencies: ["FACSKnowledge", "MediaIO", "Renderer", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Renderer", dependencies: ["MediaIO", "COpenBLAS"], plugins: ["EmbedResources"]),
        .target(
            name: "BatchAnnotation",
            dependencies: [
                "FACSKnowledge", "CoTFA", "ReviewQueue", "MediaIO",
                .product(name: "CSV", package: "CSV.swift"),
            ]),
        .executableTarget(
            name: "tbd",
            dependencies: [
                "FACSKnowledge", "CoTFA", "ReviewQueue", "Renderer", "MediaIO", "BatchAnnotation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // A loopback OpenAI-compatible chat server for the CoT-FA tests and benchmark (plain POSIX sockets).
        .target(name: "LoopbackChatServer"),
        .executableTarget(
            name: "batch-bench",
            dependencies: ["BatchAnnotation", "CoTFA", "FACSKnowledge", "LoopbackChatServer", "MediaIO", "ReviewQueue"]),
        .executableTarget(
            name: "cotfa-bench", dependencies: ["CoTFA", "CCurl", "FACSKnowledge", "LoopbackChatServer"]),
        .testTarget(name: "CoTFATests", dependencies: ["CoTFA", "FACSKnowledge", "LoopbackChatServer", "ReviewQueue"]),
        .testTarget(name: "ShimTests", dependencies: ["CCurl", "COpenBLAS", "CFFmpeg"]),
        .testTarget(name: "FACSKnowledgeTests", dependencies: ["FACSKnowledge"]),
        .testTarget(name: "CLITests", dependencies: ["FACSKnowledge", "ReviewQueue", "MediaIO"]),
        .testTarget(
            name: "BatchAnnotationTests",
            dependencies: ["BatchAnnotation", "CoTFA", "ReviewQueue", "MediaIO", "FACSKnowledge", "LoopbackChatServer"]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RendererTests", dependencies: ["Renderer"], resources: [.copy("Fixtures")]),
        // A writer the review tests start, kill -9 and race against each other in separate processes.
        .executableTarget(name: "review-stress", dependencies: ["ReviewQueue"]),
        .testTarget(name: "ReviewQueueTests", dependencies: ["ReviewQueue", "FACSKnowledge", "MediaIO"]),
    ]
)
