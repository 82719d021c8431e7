// swift-tools-version:6.0
//
// Unroll — recurrent neural networks for Linux CPUs, on OpenBLAS.
//
// Dependency arrows point one way:
//   COpenBLAS, CKernels ← Tensors ← Layers ← Optimizers ← Training ← (app)
//   Tensors ← Collectives (← CMPI when built with MPI) ← Training
// See docs/architecture.md.

import Foundation
import PackageDescription

// MARK: - MPI (optional)

/// Data-parallel training over MPI is built in when Open MPI's headers are there (Debian:
/// `apt-get install libopenmpi-dev pkgconf`), or forced with `UNROLL_MPI=1`; `UNROLL_MPI=0` builds
/// without it. Without MPI everything else builds and runs, on one process (docs/distributed.md).
let mpiHeaders = [
    "/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h", "/usr/lib/aarch64-linux-gnu/openmpi/include/mpi.h",
    "/usr/include/openmpi/mpi.h",
]
let withMPI =
    Context.environment["UNROLL_MPI"] == "1"
    || (Context.environment["UNROLL_MPI"] != "0" && mpiHeaders.contains { FileManager.default.fileExists(atPath: $0) })

// MARK: - Shared settings

/// Release builds of the numeric targets drop overflow checks in hot loops only where the
/// code states it (`&+`); everything else keeps Swift's safety checks.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v5)
]

// MARK: - Package

let package = Package(
    name: "Unroll",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "PluginRegistry", targets: ["PluginRegistry"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "LayerConformance", targets: ["LayerConformance"]),
        .library(name: "Optimizers", targets: ["Optimizers"]),
        .library(name: "Collectives", targets: ["Collectives"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "TextPipeline", targets: ["TextPipeline"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Specs", targets: ["Specs"]),
        .library(name: "UnrollCLI", targets: ["UnrollCLI"]),
        .executable(name: "unroll", targets: ["unroll"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: System libraries

        /// Debian's OpenBLAS (`apt-get install libopenblas-dev`): <cblas.h> and -lopenblas.
        .systemLibrary(name: "COpenBLAS", path: "Modules/COpenBLAS"),

        /// Open MPI's C API (`libopenmpi-dev`; headers through pkg-config's `ompi-c`), only when `withMPI`.
        .systemLibrary(
            name: "CMPI", path: "Modules/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "pkgconf"])]),

        // MARK: C kernels

        /// The few hot loops (exp/sigmoid/tanh, batch-1 GEMM rows, the LSTM and GRU steps) built for
        /// AVX-512, AVX2+FMA and baseline x86-64, chosen at load time from the CPU's features (a table of function pointers).
        .target(name: "CKernels", path: "Modules/CKernels"),

        // MARK: Library modules

        /// The plugin protocols, config coding and the `Registry` (no dependencies).
        .target(name: "PluginRegistry", path: "Modules/PluginRegistry", swiftSettings: swiftSettings),

        /// Float32 tensors, BLAS-backed ops and reverse-mode autodiff.
        .target(
            name: "Tensors", dependencies: ["COpenBLAS", "CKernels"], path: "Modules/Tensors",
            swiftSettings: swiftSettings),

        /// The `Layer` protocol, parameters, Dense/Embedding/Dropout/Activation, the fused
        /// recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) and the losses.
        .target(
            name: "Layers", dependencies: ["Tensors", "CKernels", "PluginRegistry"], path: "Modules/Layers",
            swiftSettings: swiftSettings),

        /// The shared conformance check every layer passes (XCTest helpers; plugin authors reuse it).
        .target(
            name: "LayerConformance", dependencies: ["Layers", "Tensors", "PluginRegistry"],
            path: "Modules/LayerConformance", swiftSettings: swiftSettings),

        /// SGD (momentum, Nesterov), Adam (AMSGrad), RMSProp, Adagrad; weight decay, clipping, schedules.
        .target(
            name: "Optimizers", dependencies: ["Layers", "Tensors", "CKernels", "PluginRegistry"],
            path: "Modules/Optimizers", swiftSettings: swiftSettings),

        /// Collective operations (sum, broadcast) over the ranks of a job: one process, or MPI when built with it.
        .target(
            name: "Collectives", dependencies: ["Tensors"] + (withMPI ? ["CMPI"] : []), path: "Modules/Collectives",
            swiftSettings: swiftSettings + (withMPI ? [.define("UNROLL_MPI")] : [])),

        /// Sequential models, summary, fit/evaluate/predict, metrics, callbacks, safetensors checkpoints.
        .target(
            name: "Training",
            dependencies: ["Optimizers", "Layers", "Tensors", "CKernels", "PluginRegistry", "Collectives"],
            path: "Modules/Training", swiftSettings: swiftSettings),

        /// Cleaning steps, tokenizers, vocabulary, GloVe loading, padding (no dependency on Layers).
        .target(
            name: "TextPipeline", dependencies: ["Tensors", "PluginRegistry"], path: "Modules/TextPipeline",
            swiftSettings: swiftSettings),

        /// Dataset protocol, seeded batching and splits, CSV/TSV, text folders, characters, tagging, numeric CSV.
        .target(
            name: "Datasets", dependencies: ["Tensors", "PluginRegistry"], path: "Modules/Datasets",
            swiftSettings: swiftSettings),

        /// Spec files (YAML/JSON): safe parsing with positions, validation, assembly, bundles, runs.
        .target(
            name: "Specs",
            dependencies: [
                "PluginRegistry", "Tensors", "Layers", "Optimizers", "Training", "TextPipeline", "Datasets",
                "Collectives", .product(name: "Yams", package: "Yams"),
            ],
            path: "Modules/Specs", swiftSettings: swiftSettings),

        /// The `unroll` command line as a library (swift-argument-parser), so plugin apps can reuse it.
        .target(
            name: "UnrollCLI",
            dependencies: [
                "Specs", "PluginRegistry", "Tensors", "Training", "Collectives",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Modules/UnrollCLI", swiftSettings: swiftSettings),

        // MARK: Apps

        /// `unroll train|evaluate|predict|summary|validate|generate|layers`.
        .executableTarget(
            name: "unroll", dependencies: ["UnrollCLI"], path: "Apps/unroll", swiftSettings: swiftSettings),

        // MARK: Tools (benchmarks)

        /// `swift run -c release unroll-bench`: sgemm GFLOP/s, per-op overhead, elementwise throughput.
        .executableTarget(
            name: "unroll-bench",
            dependencies: [
                "COpenBLAS", "CKernels", "Tensors", "Layers", "Optimizers", "Training", "TextPipeline", "Datasets",
                "Collectives", "Specs",
            ],
            path: "Tools/Bench", swiftSettings: swiftSettings),

        /// `unroll-fuzz`: a seeded mutation fuzzer over every parser of outside input (spec, data,
        /// GloVe, tagging, safetensors, model.json, pipeline.json, manifests, checkpoint state).
        .executableTarget(
            name: "unroll-fuzz",
            dependencies: [
                "Specs", "Training", "Optimizers", "Layers", "TextPipeline", "Datasets", "Tensors", "PluginRegistry",
            ],
            path: "Tools/Fuzz", exclude: ["corpus"], swiftSettings: swiftSettings),
        // MARK: Tests (one per target)

        /// Shared test helpers: real-data lookup (data/, then ../shared/data, else skip) and temp files.
        .target(name: "TestSupport", dependencies: ["Datasets"], path: "Tests/Support", swiftSettings: swiftSettings),

        .testTarget(
            name: "PluginRegistryTests", dependencies: ["PluginRegistry"], path: "Tests/PluginRegistryTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CollectivesTests", dependencies: ["Collectives", "Tensors"], path: "Tests/CollectivesTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TensorsTests", dependencies: ["Tensors", "CKernels"], path: "Tests/TensorsTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["TestSupport", "Training", "Optimizers", "Layers", "Tensors", "Datasets"],
            path: "Tests/TrainingTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "TextPipelineTests", dependencies: ["TestSupport", "TextPipeline", "Tensors", "PluginRegistry"],
            path: "Tests/TextPipelineTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "DatasetsTests", dependencies: ["TestSupport", "Datasets", "TextPipeline", "Tensors"],
            path: "Tests/DatasetsTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "UnrollCLITests", dependencies: ["unroll", "Training"], path: "Tests/UnrollCLITests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpecsTests", dependencies: ["Specs", "PluginRegistry", "Layers", "Tensors", "Training", "Datasets"],
            path: "Tests/SpecsTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "OptimizersTests", dependencies: ["Optimizers", "Layers", "Tensors"], path: "Tests/OptimizersTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LayersTests", dependencies: ["Layers", "LayerConformance", "Tensors", "PluginRegistry"],
            path: "Tests/LayersTests", swiftSettings: swiftSettings),
    ]
)
