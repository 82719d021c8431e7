// swift-tools-version:6.0
//
// An outside package that extends Unroll without touching it: a layer (acme.Highway), a text
// cleaning step (acme.emoji_words), a metric (acme.within_half) and a task (acme.text_score),
// with its own tests and its own command line, `unroll-acme`. It depends on Unroll by path here;
// a team elsewhere would name Unroll's repository and a version instead.
//
//   swift build --package-path Examples/HighwayPlugin
//   swift test --package-path Examples/HighwayPlugin
//   swift run --package-path Examples/HighwayPlugin unroll-acme layers --kind task

import PackageDescription

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

// MARK: - Package

let package = Package(
    name: "HighwayPlugin",
    products: [
        .library(name: "AcmeLayers", targets: ["AcmeLayers"]),
        .executable(name: "unroll-acme", targets: ["unroll-acme"]),
    ],
    dependencies: [
        .package(name: "Unroll", path: "../..")
    ],
    targets: [
        // MARK: The plugin module

        /// The plugins and `AcmeLayers.register(in:)`, which an app lists.
        .target(
            name: "AcmeLayers",
            dependencies: [
                .product(name: "Layers", package: "Unroll"), .product(name: "Tensors", package: "Unroll"),
                .product(name: "PluginRegistry", package: "Unroll"), .product(name: "TextPipeline", package: "Unroll"),
                .product(name: "Training", package: "Unroll"), .product(name: "Datasets", package: "Unroll"),
                .product(name: "Specs", package: "Unroll"),
            ],
            swiftSettings: swiftSettings),

        // MARK: App

        /// Unroll's command line with the Acme plugins registered.
        .executableTarget(
            name: "unroll-acme",
            dependencies: ["AcmeLayers", .product(name: "UnrollCLI", package: "Unroll")],
            swiftSettings: swiftSettings),

        // MARK: Tests

        /// The layer passes Unroll's shared conformance check; every plugin is used from a spec.
        .testTarget(
            name: "AcmeLayersTests",
            dependencies: [
                "AcmeLayers", .product(name: "LayerConformance", package: "Unroll"),
                .product(name: "Layers", package: "Unroll"), .product(name: "Tensors", package: "Unroll"),
                .product(name: "PluginRegistry", package: "Unroll"), .product(name: "Specs", package: "Unroll"),
                .product(name: "Training", package: "Unroll"),
            ],
            swiftSettings: swiftSettings),
    ]
)
