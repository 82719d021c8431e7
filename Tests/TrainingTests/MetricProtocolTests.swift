import Foundation
import Layers
import Optimizers
import Tensors
import Training
import XCTest

/// Metrics are fed batch by batch during the epoch (Keras's reading), not recomputed afterwards.
final class MetricProtocolTests: XCTestCase {
    /// Records every batch it is given.
    final class Recorder: Metric {
        let name: String
        var batches: [(Tensor, Tensor)] = []
        var examples = 0
        init(_ name: String) { self.name = name }
        func reset() {
            batches = []
            examples = 0
        }
        func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
            batches.append((predictions, targets))
            examples += predictions.shape[0]
        }
        func result() -> Double? { Double(examples) }
    }

    func testTrainingMetricsComeFromTheEpochsOwnBatches() throws {
        var g = SeededGenerator(seed: 4)
        let x = Tensor.randomNormal([50, 3], using: &g)
        let y = try x.sum(axis: 1).mapElements { $0 > 0 ? 1 : 0 }
        let model = try Sequential(
            inputShape: [3], layers: [Dense(units: 8, activation: .tanh), Dense(units: 2)], seed: 1)
        let trainer = Trainer(
            model: model, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam(learningRate: 0.1))
        let seen = Recorder("seen")
        var o = FitOptions()
        o.epochs = 1
        o.batchSize = 8
        o.validationSplit = 0.2
        o.verbosity = .quiet
        o.metrics = ["accuracy"]
        o.extraMetrics = [seen]
        let h = try trainer.fit(x: x, y: y, options: o)
        let logs = h.epochs[0].values
        XCTAssertEqual(logs["seen"], 40, "every training example once")
        XCTAssertEqual(logs["val_seen"], 10, "every validation example once")
        // The logged accuracy is that of the predictions made while training (weights moving), …
        seen.reset()
        let first = Trainer(
            model: try Sequential(
                inputShape: [3], layers: [Dense(units: 8, activation: .tanh), Dense(units: 2)], seed: 1),
            loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam(learningRate: 0.1))
        var o2 = o
        o2.validationSplit = 0
        o2.extraMetrics = [seen]
        let h2 = try first.fit(
            x: x.slice(axis: 0, start: 0, length: 40), y: y.slice(axis: 0, start: 0, length: 40), options: o2)
        var right = 0
        var total = 0
        for (p, t) in seen.batches {
            let c = try TaskKind.sparse.classes(predictions: p, targets: t)
            right += zip(c.predicted, c.actual).filter { $0 == $1 }.count
            total += c.actual.count
        }
        XCTAssertEqual(total, 40)
        XCTAssertEqual(h2.epochs[0].values["accuracy"]!, Double(right) / Double(total), accuracy: 1e-12)
        // … not a second pass with the final weights.
        let after = try first.evaluate(
            x: x.slice(axis: 0, start: 0, length: 40), y: y.slice(axis: 0, start: 0, length: 40)
        ).confusion!.accuracy
        XCTAssertNotEqual(
            h2.epochs[0].values["accuracy"]!, after, "with a rate of 0.1 the weights move within the epoch")
    }

    func testConfusionMetricAccumulatesAndResets() throws {
        let m = try ConfusionMetric("accuracy")
        XCTAssertNil(m.result())
        try m.update(
            predictions: Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.2, 0.8]), targets: Tensor([0, 0]), mask: nil,
            task: .sparse)
        try m.update(
            predictions: Tensor(shape: [2, 2], scalars: [0.1, 0.9, 0.3, 0.7]), targets: Tensor([1, 1]), mask: nil,
            task: .sparse)
        XCTAssertEqual(m.result(), 0.75)
        m.reset()
        XCTAssertNil(m.result())
        XCTAssertThrowsError(try ConfusionMetric("acuracy")) { e in
            XCTAssertTrue("\(e)".contains("unknown metric 'acuracy'"), "\(e)")
        }
    }
}
