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

    /// Two halves' sums, added, read as the whole: what data-parallel training relies on.
    func testSummableMetricsAddUpAcrossHalves() throws {
        var g = SeededGenerator(seed: 8)
        let p = Tensor.randomUniform([20, 3], using: &g)
        let y = Tensor((0..<20).map { Float($0 % 3) })
        let regression = Tensor.randomNormal([20, 2], using: &g)
        let target = Tensor.randomNormal([20, 2], using: &g)
        func halves(_ make: () throws -> any SummableMetric, task: TaskKind, _ a: Tensor, _ b: Tensor) throws {
            let whole = try make()
            try whole.update(predictions: a, targets: b, mask: nil, task: task)
            let (first, second) = (try make(), try make())
            try first.update(
                predictions: a.slice(axis: 0, start: 0, length: 9), targets: b.slice(axis: 0, start: 0, length: 9),
                mask: nil, task: task)
            try second.update(
                predictions: a.slice(axis: 0, start: 9, length: 11), targets: b.slice(axis: 0, start: 9, length: 11),
                mask: nil, task: task)
            XCTAssertNotEqual(first.result(), whole.result(), "\(whole.name): a half alone differs")
            first.sums = zip(first.sums, second.sums).map(+)
            XCTAssertEqual(try XCTUnwrap(first.result()), try XCTUnwrap(whole.result()), accuracy: 1e-12, whole.name)
            let empty = try make()
            XCTAssertEqual(empty.sums.reduce(0, +), 0)
            empty.sums = whole.sums
            XCTAssertEqual(empty.result(), whole.result())
        }
        for name in ["accuracy", "macro_f1"] { try halves({ try ConfusionMetric(name) }, task: .sparse, p, y) }
        for name in ["mae", "rmse"] { try halves({ try ErrorMetric(name) }, task: .regression, regression, target) }
    }
}
