import Datasets
import Layers
import Optimizers
import Tensors
import TestSupport
import Training
import XCTest

final class DigitsTests: XCTestCase {
    /// The 8×8 digits: a feed-forward net reaches ≥ 95% test accuracy on a seeded 80/20 split.
    func testFeedForwardNetOnDigitsReaches95Percent() throws {
        let data = try NumericTable.load(try TestData.url("digits_8x8.csv"))
        let x = data.x.scaled(by: 1.0 / 16)
        let y = data.y
        let parts = try Split.indices(count: x.shape[0], fractions: [0.8, 0.2], seed: 42)
        let (xTrain, yTrain) = (try x.rows(parts[0]), try y.rows(parts[0]))
        let (xTest, yTest) = (try x.rows(parts[1]), try y.rows(parts[1]))
        let model = try Sequential(
            inputShape: [64], layers: [Dense(units: 64, activation: .relu), Dense(units: 10)], seed: 42)
        let trainer = Trainer(
            model: model, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam(learningRate: 0.005))
        var o = FitOptions()
        o.epochs = 25
        o.batchSize = 32
        o.seed = 42
        o.verbosity = .quiet
        try trainer.fit(x: xTrain, y: yTrain, options: o)
        let e = try trainer.evaluate(x: xTest, y: yTest)
        let acc = e.confusion!.accuracy
        XCTAssertGreaterThanOrEqual(acc, 0.95, "test accuracy \(acc)\n\(e.confusion!.report())")
        XCTAssertEqual(e.confusion!.total, 360)
        print("digits test accuracy: \(acc)")
    }
}
