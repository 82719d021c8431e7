import XCTest
import Foundation
import PluginRegistry
import Tensors
import Layers
import Training
import Specs

/// Capabilities, not names: a plugin declares what the app needs to know, and is treated like a
/// built-in.
final class PluginCapabilityTests: XCTestCase {
    /// A plugin loss reading class indices (cross-entropy with label smoothing off, say).
    struct IndexLoss: Loss {
        static let typeName = "acme.index_xent"
        var targets: LossTargets { .indices }
        var takesLogits: Bool { true }
        func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor { try SparseCategoricalCrossEntropy(fromLogits: true).perExample(p, y) }
    }
    enum Acme: PluginModule {
        struct None: PluginConfig { init() {} }
        static func register(in r: inout Registry) throws {
            try r.register(.configured(.loss, IndexLoss.typeName, summary: "index targets", config: None.self) { _, _ in IndexLoss() as any Loss })
        }
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
        try Data("""
        seed: 1
        data: {source: numeric_csv, path: n.csv}
        model: [{type: Dense, units: 8, activation: tanh}, {type: Dense, units: 3}]
        loss: acme.index_xent
        optimizer: {type: adam, learning_rate: 0.05}
        epochs: 30
        batch_size: 16
        verbosity: quiet
        output: out
        """.utf8).write(to: specURL)
        let registry = try Builtins.registry(plugins: [Acme.self])
        let spec = try SpecLoader(registry: registry).load(specURL)
        let data = try spec.prepareData()
        XCTAssertEqual(data.yTrain.shape, [data.xTrain.shape[0]], "index targets, not one-hot rows")
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        let r = try runner.train(specURL)
        XCTAssertEqual(r.test?.confusion?.classes, 3)
        XCTAssertGreaterThan(r.test?.confusion?.accuracy ?? 0, 0.9)
        XCTAssertEqual(TaskKind.forLoss(IndexLoss(), outputShape: [3]), .sparse)
    }
}
