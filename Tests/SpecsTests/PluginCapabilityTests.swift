import Foundation
import Layers
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// Capabilities, not names: a plugin declares what the app needs to know, and is treated like a
/// built-in.
final class PluginCapabilityTests: XCTestCase {
    /// A plugin loss reading class indices (cross-entropy with label smoothing off, say).
    struct IndexLoss: Loss {
        static let typeName = "acme.index_xent"
        var targets: LossTargets { .indices }
        var takesLogits: Bool { true }
        func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
            try SparseCategoricalCrossEntropy(fromLogits: true).perExample(p, y)
        }
    }
    /// A plugin lookup layer: its `vocab` is sized by the data, and it takes pretrained vectors.
    final class Lookup: Layer, TakesPretrainedVectors {
        struct Config: LayerConfig {
            var vocab = 1, dim = 1
            init() {}
            static var dataSizedField: String? { "vocab" }
        }
        static let typeName = "acme.Lookup"
        var name: String
        let config: Config
        let table = Parameter()
        init(config: Config, name: String) throws { (self.config, self.name) = (config, name) }
        func outputShape(for s: [Int]) throws -> [Int] { s + [config.dim] }
        func build(inputShape: [Int], rng: inout SeededGenerator) throws {
            try table.initialize([config.vocab, config.dim], layer: name) {
                Tensor.randomUniform($0, low: -0.05, high: 0.05, using: &rng)
            }
        }
        func forward(_ x: Tensor, context: inout ForwardContext) throws -> Tensor {
            try table.value.gather(indices: x.reshaped([x.count]), axis: 0).reshaped(x.shape + [config.dim])
        }
        var vectorSize: Int { config.dim }
        var vectorsTrainable: Bool { false }
        func setVectors(_ m: Tensor) throws { try table.assign(m) }
    }
    /// A plugin metric: how many examples it was fed.
    final class Seen: Metric {
        let name = "acme.seen"
        var n = 0
        func reset() { n = 0 }
        func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
            n += predictions.shape[0]
        }
        func result() -> Double? { Double(n) }
    }
    enum Acme: PluginModule {
        struct None: PluginConfig {}
        static func register(in r: inout Registry) throws {
            try r.register(
                .configured(.loss, IndexLoss.typeName, summary: "index targets", config: None.self) { _, _ in
                    IndexLoss() as any Loss
                })
            try r.register(LayersPlugins.layer(Lookup.self, "a plugin lookup"))
            try r.register(
                .configured(.metric, "acme.seen", summary: "examples seen", config: None.self) { _, _ in
                    Seen() as any Metric
                })
        }
    }

    /// A plugin layer gets its data-sized field and the GloVe vectors, like Embedding (before, it
    /// got neither: the app filled `input_dim` for Embedding by name and found it by type).
    func testAPluginLayerGetsItsDataSizeAndPretrainedVectors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-cap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(
            ("text\tlabel\n" + (0..<20).map { $0 % 2 == 0 ? "good film\tpos" : "bad film\tneg" }.joined(separator: "\n")
                + "\n").utf8
        )
        .write(to: dir.appendingPathComponent("t.tsv"))
        try Data("good 1 2 3\nbad -1 -2 -3\nfilm 0.5 0.5 0.5\n".utf8).write(
            to: dir.appendingPathComponent("vectors.txt"))
        let specURL = dir.appendingPathComponent("s.yaml")
        try Data(
            """
            data: {source: delimited, path: t.tsv}
            text: {sequence_length: 2, embeddings: {path: vectors.txt}}
            model: [{type: acme.Lookup, dim: 3}, {type: GRU, units: 2}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            verbosity: quiet
            """.utf8
        ).write(to: specURL)
        let registry = try Builtins.registry(plugins: [Acme.self])
        let spec = try SpecLoader(registry: registry).load(specURL)
        let data = try spec.prepareData()
        let model = try spec.buildModel(registry: registry, data: data, log: { _ in })
        let lookup = try XCTUnwrap(model.layers.first as? Lookup)
        XCTAssertEqual(lookup.table.shape, [data.vocabularySize!, 3], "vocab filled from the data")
        let good = data.pipeline!.vocabulary.id("good")
        XCTAssertEqual(Array(lookup.table.value.scalars[(good * 3)..<(good * 3 + 3)]), [1, 2, 3])
    }

    /// It was given one-hot targets (any loss not named like a built-in was), which an index loss
    /// cannot read; now its declared targets decide the encoding and the metrics.
    func testAPluginLossGetsTheTargetsItDeclares() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-cap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data((0..<90).map { i in "\(Double(i % 3)),\(Double(i % 5) / 5),\(i % 3)" }.joined(separator: "\n").utf8)
            .write(to: dir.appendingPathComponent("n.csv"))
        let specURL = dir.appendingPathComponent("s.yaml")
        try Data(
            """
            seed: 1
            data: {source: numeric_csv, path: n.csv}
            model: [{type: Dense, units: 8, activation: tanh}, {type: Dense, units: 3}]
            loss: acme.index_xent
            metrics: [accuracy, acme.seen]
            split: {validation: 0.25}
            optimizer: {type: adam, learning_rate: 0.05}
            epochs: 30
            batch_size: 16
            verbosity: quiet
            output: out
            """.utf8
        ).write(to: specURL)
        let registry = try Builtins.registry(plugins: [Acme.self])
        let spec = try SpecLoader(registry: registry).load(specURL)
        let data = try spec.prepareData()
        XCTAssertEqual(data.yTrain.shape, [data.xTrain.shape[0]], "index targets, not one-hot rows")
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        let r = try runner.train(specURL)
        XCTAssertEqual(r.test?.confusion?.classes, 3)
        // The plugin metric is fed like a built-in: every training and validation example of each epoch.
        XCTAssertEqual(r.history.epochs.last?.values["acme.seen"], 54)
        XCTAssertEqual(r.history.epochs.last?.values["val_acme.seen"], 18)
        XCTAssertGreaterThan(r.test?.confusion?.accuracy ?? 0, 0.9)
        XCTAssertEqual(TaskKind.forLoss(IndexLoss(), outputShape: [3]), .sparse)
    }
}
