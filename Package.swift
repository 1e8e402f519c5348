// swift-tools-version:5.10
import PackageDescription

// The C kernels are compiled optimised in every build: a debug build (so every test run) compiles them at -O0, and
// the tensor and renderer tests spend much of their time in them (the whole suite took 284 s instead of 229 s).
// Allowed because this is a root package; `-O2` comes after the build's own `-O0`, so it wins.
let optimisedC: [CSetting] = [.unsafeFlags(["-O2"])]

let package = Package(
    name: "ThinkBeforeDraw",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tbd", targets: ["tbd"]),
        .library(name: "FACSKnowledge", targets: ["FACSKnowledge"]),
        .library(name: "CoTFA", targets: ["CoTFA"]),
        .library(name: "AnnotationRecord", targets: ["AnnotationRecord"]),
        .library(name: "CLIPTokenization", targets: ["CLIPTokenization"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "ReviewQueue", targets: ["ReviewQueue"]),
        .library(name: "BatchAnnotation", targets: ["BatchAnnotation"]),
        .library(name: "RenderingJobs", targets: ["RenderingJobs"]),
        .library(name: "Renderer", targets: ["Renderer"]),
        .library(name: "MediaIO", targets: ["MediaIO"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "FaceAnalysis", targets: ["FaceAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // The store's PostgreSQL backend (only Store imports these).
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
    ],
    targets: [
        // C shims: one system library each, linked against Debian's packages.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libswresample-dev", "libavutil-dev"])]),

        // Turns files under Resources/ into Swift source, so the binary carries its data wherever it is installed.
        .executableTarget(name: "resource-embedder", path: "Sources/resource-embedder"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["resource-embedder"]),

        // Level 0: knowledge, media, the annotation record, the tokenizer, text safety, hashing, output files, MEAD's
        // layout and the fused attention kernel.
        .target(name: "FACSKnowledge", plugins: ["EmbedResources"]),
        .target(name: "ContentHashing", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "SafeText"),
        .target(name: "WorkerThreads"),
        .target(name: "FileAccess"),
        .target(name: "MediaIO", dependencies: ["CFFmpeg", "ContentHashing", "FileAccess"]),
        .target(name: "AnnotationRecord", dependencies: ["FACSKnowledge"]),
        .target(name: "CLIPTokenization", dependencies: ["FileAccess"], plugins: ["EmbedResources"]),
        // Which instruction-set features this processor has, the one place the C kernels below ask.
        .target(name: "CPUFeatures", cSettings: optimisedC),
        // The threads the numerical kernels split regions across, polling between regions rather than sleeping.
        .target(name: "ComputeThreads", cSettings: optimisedC),
        // MEAD's paths and names, read by the batch scanner and `tbd annotate`, written by the rendering jobs.
        .target(name: "DatasetLayout"),
        // Attention for long sequences in C: per-function target attributes (AVX-512, AVX2), chosen at run time.
        .target(name: "FusedAttention", dependencies: ["CPUFeatures"], cSettings: optimisedC),
        // 2-D convolution computed directly on a padded layout, in C for the same reason.
        .target(name: "DirectConvolution", dependencies: ["CPUFeatures"], cSettings: optimisedC),
        // Matrix products against weights packed once at load, in C for the same reason.
        .target(name: "PackedMatrixProduct", dependencies: ["CPUFeatures"], cSettings: optimisedC),
        // 3x3 convolution by Winograd's F(4x4, 3x3): transforms in C for the same reason, products on the packed kernel.
        .target(name: "WinogradConvolution", dependencies: ["CPUFeatures", "PackedMatrixProduct"], cSettings: optimisedC),
        // The tensor runtime every network builds on: tensors, the C kernels' Swift side, safetensors, weight
        // reading and the generic layers. No diffusion code: a face detector or a metric network links only this.
        .target(
            name: "Tensors",
            dependencies: ["ContentHashing", "FileAccess", "CPUFeatures", "ComputeThreads", "FusedAttention", "DirectConvolution", "PackedMatrixProduct", "WinogradConvolution", "COpenBLAS", "CMalloc"]),

        // Level 1: the reasoning pipeline, the project's database, the renderer's numerics.
        .target(
            name: "CoTFA",
            dependencies: [
                "FACSKnowledge", "AnnotationRecord", "CLIPTokenization", "ContentHashing", "SafeText", "WorkerThreads", "MediaIO",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedResources"]),
        .target(
            name: "Store",
            dependencies: [
                "FACSKnowledge", "AnnotationRecord", "FileAccess", "ContentHashing", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Renderer", dependencies: ["Tensors", "MediaIO", "CLIPTokenization", "ContentHashing", "FileAccess"]),
        .target(name: "FaceAnalysis", dependencies: ["Tensors", "MediaIO"]),
        // Level 2: evaluation (metrics and their networks) beside the review queue, batch annotation and rendering jobs.
        .target(name: "Evaluation", dependencies: ["Tensors", "MediaIO", "FaceAnalysis", "ContentHashing", "FileAccess"]),
        .target(
            name: "TrainingData",
            dependencies: ["FaceAnalysis", "Renderer", "Store", "Tensors", "MediaIO", "AnnotationRecord", "ContentHashing", "FileAccess", "DatasetLayout"]),

        // Level 2: the review queue, batch annotation and rendering jobs.
        .target(name: "ReviewQueue", dependencies: ["Store", "AnnotationRecord", "FACSKnowledge", "MediaIO", "CLIPTokenization", "SafeText", "FaceAnalysis"]),
        .target(
            name: "BatchAnnotation",
            dependencies: [
                "FACSKnowledge", "AnnotationRecord", "CoTFA", "Store", "MediaIO", "ContentHashing", "SafeText", "WorkerThreads",
                "DatasetLayout", "FaceAnalysis", .product(name: "CSV", package: "CSV.swift"),
            ]),
        .target(
            name: "RenderingJobs",
            dependencies: ["Renderer", "Tensors", "Store", "AnnotationRecord", "MediaIO", "ContentHashing", "FileAccess", "DatasetLayout", "FaceAnalysis"]),

        // Level 3: evaluation jobs over the store and the renderer (the paper's Tables 1 and 2), and the command line.
        .target(
            name: "EvaluationJobs",
            dependencies: ["Evaluation", "RenderingJobs", "Renderer", "Store", "CoTFA", "FACSKnowledge", "AnnotationRecord", "DatasetLayout"]),
        .executableTarget(
            name: "tbd",
            dependencies: [
                "FACSKnowledge", "AnnotationRecord", "CLIPTokenization", "CoTFA", "Store", "ReviewQueue", "Renderer",
                "RenderingJobs", "Tensors", "MediaIO", "BatchAnnotation", "SafeText", "FileAccess", "DatasetLayout", "FaceAnalysis", "TrainingData",
                "Evaluation", "EvaluationJobs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // A loopback OpenAI-compatible chat server for the CoT-FA tests and benchmark (plain POSIX sockets).
        .target(name: "LoopbackChatServer"),
        // Temporary folders for tests, with no dependencies, for test targets that must not link the store.
        .target(name: "TemporaryFolders", path: "Tests/TemporaryFolders"),
        // Prints the stack of a crashing test process before it dies (installed before main by a constructor, for the
        // whole test bundle, which links it through CLITests).
        .target(name: "TestCrashReport", path: "Tests/TestCrashReport"),
        // What keeps a test's verdict the same on every run, loaded machine or not: seeded random inputs, and cost
        // growth from n to 4n items in thread CPU time instead of wall-clock limits. No dependencies.
        .target(name: "ReproducibleTesting", path: "Tests/ReproducibleTesting"),
        // What the test targets share: finding and running `tbd`, temporary folders (re-exported) and stores.
        .target(name: "TestSupport", dependencies: ["Store", "AnnotationRecord", "FACSKnowledge", "TemporaryFolders"], path: "Tests/TestSupport"),
        .executableTarget(
            name: "batch-bench",
            dependencies: ["BatchAnnotation", "CoTFA", "AnnotationRecord", "DatasetLayout", "FACSKnowledge", "LoopbackChatServer", "MediaIO", "Store"]),
        .executableTarget(
            name: "cotfa-bench", dependencies: ["CoTFA", "AnnotationRecord", "CCurl", "FACSKnowledge", "LoopbackChatServer"]),
        // A writer the store tests start, kill -9 and race against each other in separate processes.
        .executableTarget(name: "review-stress", dependencies: ["Store", "AnnotationRecord", "FACSKnowledge"]),

        .testTarget(
            name: "CoTFATests",
            dependencies: ["CoTFA", "AnnotationRecord", "FACSKnowledge", "ReproducibleTesting", "LoopbackChatServer", "Store", "TestSupport"]),
        .testTarget(name: "ShimTests", dependencies: ["CCurl", "COpenBLAS", "CFFmpeg"]),
        .testTarget(name: "FACSKnowledgeTests", dependencies: ["FACSKnowledge", "ReproducibleTesting"]),
        .testTarget(name: "AnnotationRecordTests", dependencies: ["AnnotationRecord", "FACSKnowledge"]),
        .testTarget(name: "ContentHashingTests", dependencies: ["ContentHashing"]),
        .testTarget(name: "CLITests", dependencies: ["AnnotationRecord", "CoTFA", "Store", "MediaIO", "LoopbackChatServer", "TestSupport", "Evaluation", "Tensors", "TestCrashReport"]),
        .testTarget(
            name: "BatchAnnotationTests",
            dependencies: [
                "BatchAnnotation", "AnnotationRecord", "CoTFA", "Store", "MediaIO", "FACSKnowledge", "DatasetLayout", "ReproducibleTesting",
                "LoopbackChatServer", "FaceAnalysis",
                "TestSupport",
            ]),
        .testTarget(name: "FileAccessTests", dependencies: ["FileAccess", "TestSupport"]),
        .testTarget(name: "DatasetLayoutTests", dependencies: ["DatasetLayout"]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO", "CFFmpeg", "TestSupport"], resources: [.copy("Fixtures")]),
        // What the tensor-level test targets share: fixture folders and the relative-tolerance comparison.
        .target(name: "TensorTesting", dependencies: ["Tensors"], path: "Tests/TensorTesting"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TensorTesting", "TemporaryFolders", "ReproducibleTesting", "CPUFeatures", "ComputeThreads", "DirectConvolution", "FusedAttention", "PackedMatrixProduct"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingDataTests", dependencies: ["TrainingData", "Renderer", "Store", "Tensors", "MediaIO", "TestSupport"]),
        .testTarget(
            name: "EvaluationTests", dependencies: ["Evaluation", "Tensors", "TensorTesting", "MediaIO", "ContentHashing", "TemporaryFolders", "FaceAnalysis"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceAnalysisTests", dependencies: ["FaceAnalysis", "Tensors", "TensorTesting", "MediaIO", "TemporaryFolders"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RendererTests", dependencies: ["Renderer", "Tensors", "TensorTesting", "TemporaryFolders", "MediaIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CLIPTokenizationTests", dependencies: ["CLIPTokenization", "ReproducibleTesting", "TemporaryFolders"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SafeTextTests", dependencies: ["SafeText", "ReproducibleTesting"]),
        .testTarget(name: "WorkerThreadsTests", dependencies: ["WorkerThreads"]),
        .testTarget(name: "RenderingJobsTests", dependencies: ["RenderingJobs", "Renderer", "Tensors", "MediaIO", "Store", "AnnotationRecord", "TestSupport", "FaceAnalysis"]),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "AnnotationRecord", "FACSKnowledge", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "ReviewQueueTests", dependencies: ["ReviewQueue", "Store", "AnnotationRecord", "FACSKnowledge", "SafeText", "MediaIO", "TestSupport"]),
    ]
)
