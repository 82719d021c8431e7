import AcmeLayers
import Foundation
import LayerConformance
import Layers
import PluginRegistry
import Specs
import Tensors
import XCTest

final class HighwayTests: XCTestCase {
    /// The same conformance check Unroll's own layers pass, including the registry lookup.
    func testConformance() throws {
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        var o = LayerConformance.Options()
        o.isRegistered = { registry.contains(.layer, $0) }
        // A smooth activation: ReLU's kink at 0 makes finite differences meaningless there.
        var c = Highway.Config()
        c.activation = .tanh
        try LayerConformance.check(
            Highway.self, config: c, inputShape: [5], expectedParameters: 2 * (25 + 5), options: o)
        try LayerConformance.check(
            Highway.self, config: c, inputShape: [3, 4], expectedParameters: 2 * (16 + 4), options: o)
    }

    func testCarryBehaviourAtInitialisation() throws {
        var c = Highway.Config()
        c.transformBias = -20  // gate ≈ 0: the layer passes x through
        let h = try Highway(config: c, name: "h")
        var g = SeededGenerator(seed: 1)
        try h.build(inputShape: [4], rng: &g)
        let x = Tensor.randomNormal([2, 4], using: &g)
        var ctx = ForwardContext(training: false)
        XCTAssertTrue(try h.forward(x, context: &ctx).isClose(to: x, tolerance: 1e-6))
    }

    /// The plugin is used from a spec file, through the registry, with no change to Unroll.
    func testSpecUsesThePlugin() throws {
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("highway.yaml")
        let s = try SpecLoader(registry: registry).load(spec)
        XCTAssertEqual(s.layers.map(\.name), ["dense_1", "highway_1", "highway_2", "dense_2"])
        XCTAssertThrowsError(try SpecLoader(registry: try Builtins.registry()).load(spec)) { e in
            XCTAssertTrue("\(e)".contains("unknown layer 'acme.Highway'"), "\(e)")
        }
    }

    /// The plugin's cleaning step in a text spec: trained through it, saved in the bundle's
    /// pipeline and replayed by `predict` — and a registry without the plugin refuses the bundle
    /// by the step's name rather than predicting with different cleaning.
    func testCleaningStepPluginIsTrainedSavedAndReplayed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rows = ["split\tlabel\ttext"]
        for i in 0..<80 {
            rows.append(
                "\(i % 5 == 0 ? "test" : "train")\t\(i % 2 == 0 ? "pos" : "neg")\tthe film\(i % 2 == 0 ? "🙂" : ":(")")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("faces.tsv"))
        let spec = dir.appendingPathComponent("faces.yaml")
        try Data(
            """
            data: {source: delimited, path: faces.tsv, split_column: split}
            text: {steps: [{type: acme.emoji_words, happy: joy}, lowercase, special_characters, collapse_whitespace], sequence_length: 4}
            model: [{type: Embedding, output_dim: 4}, {type: GRU, units: 4}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.05}
            epochs: 10
            verbosity: quiet
            output: bundle
            """.utf8
        ).write(to: spec)
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        let r = try runner.train(spec)
        XCTAssertEqual(r.test!.confusion!.accuracy, 1)
        let bundle = try ModelBundle.load(r.bundle, registry: registry)
        XCTAssertEqual(bundle.pipeline?.tokens("Great film 😀"), ["great", "film", "joy"])
        XCTAssertEqual(
            try runner.predict(bundle: r.bundle, texts: ["what a film :)", "the film 😞"]).map(\.label), ["pos", "neg"])
        XCTAssertThrowsError(try ModelBundle.load(r.bundle, registry: try Builtins.registry())) { e in
            XCTAssertTrue("\(e)".contains("acme.emoji_words"), "\(e)")
        }
    }
}
