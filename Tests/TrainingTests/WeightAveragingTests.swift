import Layers
import Optimizers
import Tensors
import XCTest

@testable import Training

/// `FitOptions.averagingMomentum` (`ema:`): the model ends with the exponential moving average of
/// the raw weights' trajectory, training itself follows the same trajectory as without it, and a
/// resumed run ends like an uninterrupted one.
final class WeightAveragingTests: XCTestCase {
    func makeModel(seed: UInt64) throws -> Sequential { try SmallSequenceProblem.model(seed: seed) }
    func data() throws -> (Tensor, Tensor) { try SmallSequenceProblem.data() }

    func options(epochs: Int, momentum: Float?) -> FitOptions {
        var o = FitOptions()
        o.epochs = epochs
        o.batchSize = 8
        o.seed = 5
        o.verbosity = .quiet
        o.validationSplit = 0.25
        o.averagingMomentum = momentum
        return o
    }

    /// Records every parameter's values after each optimizer step (the model's weights then).
    final class Trajectory: Callback {
        var steps: [[String: [Float]]] = []
        func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool { false }
        func onStepEnd(_ step: StepInfo, trainer: Trainer) throws {
            steps.append(
                Dictionary(
                    uniqueKeysWithValues: trainer.model.trainableParameters.map {
                        ($0.name, $0.parameter.value.scalars)
                    }))
        }
    }

    func trainer(_ model: Sequential) -> Trainer {
        Trainer(
            model: model, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam(learningRate: 0.05))
    }

    func testModelEndsWithTheAverageOfTheRawTrajectory() throws {
        let (x, y) = try data()
        let momentum: Float = 0.8
        let plain = trainer(try makeModel(seed: 4))
        let seen = Trajectory()
        var o = options(epochs: 3, momentum: nil)
        o.callbacks = [seen]
        let plainHistory = try plain.fit(x: x, y: y, options: o)

        let averaged = trainer(try makeModel(seed: 4))
        let seenAveraged = Trajectory()
        o = options(epochs: 3, momentum: momentum)
        o.callbacks = [seenAveraged]
        let averagedHistory = try averaged.fit(x: x, y: y, options: o)

        // Training follows the same raw weights step by step: each epoch starts from the raw
        // weights, not from the average the previous epoch's validation saw.
        XCTAssertEqual(seen.steps.count, 15)  // 36 training rows in batches of 8, 3 epochs
        let differing = zip(seenAveraged.steps, seen.steps).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        XCTAssertNil(differing, "the raw weights differ from step \(differing ?? 0) on")
        XCTAssertEqual(
            averagedHistory.epochs.map { $0.values["loss"]! }, plainHistory.epochs.map { $0.values["loss"]! })
        // Validation saw the average, which differs from the raw weights.
        XCTAssertNotEqual(
            averagedHistory.epochs.last!.values["val_loss"]!, plainHistory.epochs.last!.values["val_loss"]!)

        for (name, p) in averaged.model.trainableParameters {
            var expected = seen.steps[0][name]!
            for step in seen.steps.dropFirst() {
                let w = step[name]!
                for i in expected.indices { expected[i] = momentum * expected[i] + (1 - momentum) * w[i] }
            }
            let got = p.value.scalars
            XCTAssertEqual(got.count, expected.count)
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-6, name) }
            XCTAssertNotEqual(got, seen.steps.last![name]!, "\(name): the model holds the average, not the raw weights")
            // The optimizer holds the raw weights, for the next epoch or a checkpoint.
            XCTAssertEqual(averaged.optimizer.state["\(name).average"]?.scalars, seen.steps.last![name]!, name)
        }
    }

    func testResumedRunEndsLikeAnUninterruptedOne() throws {
        let (x, y) = try data()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-ema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let full = trainer(try makeModel(seed: 4))
        try full.fit(x: x, y: y, options: options(epochs: 4, momentum: 0.9))

        let first = trainer(try makeModel(seed: 4))
        var o = options(epochs: 2, momentum: 0.9)
        o.callbacks = [ModelCheckpoint(directory: dir)]
        try first.fit(x: x, y: y, options: o)
        let resumed = trainer(try makeModel(seed: 77))
        let (epoch, _, _) = try Checkpoint.resume(trainer: resumed, from: dir)
        XCTAssertEqual(epoch, 2)
        var o2 = options(epochs: 4, momentum: 0.9)
        o2.initialEpoch = epoch
        try resumed.fit(x: x, y: y, options: o2)
        XCTAssertEqual(
            resumed.model.namedParameters.flatMap { $0.parameter.value.scalars },
            full.model.namedParameters.flatMap { $0.parameter.value.scalars })
        XCTAssertEqual(resumed.optimizer.state.mapValues(\.scalars), full.optimizer.state.mapValues(\.scalars))
    }

    /// An optimizer that keeps no averages is refused with a message, not silently left unaveraged.
    func testOptimizerWithoutAveragesIsRefused() throws {
        final class Plain: Optimizer {
            static let typeName = "plain"
            var learningRate: Float = 0.1
            var weightDecay: Float = 0
            var iterations = 0
            func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
            {
                for i in 0..<p.count { p[i] -= learningRate * g[i] }
            }
            func finishStep() { iterations += 1 }
            var state: [String: Tensor] { [:] }
            func restore(state: [String: Tensor], iterations: Int) throws {}
        }
        let (x, y) = try data()
        let t = Trainer(
            model: try makeModel(seed: 1), loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Plain())
        XCTAssertThrowsError(try t.fit(x: x, y: y, options: options(epochs: 1, momentum: 0.9))) { e in
            XCTAssertTrue("\(e)".contains("the plain optimizer keeps no weight averages"), "\(e)")
        }
    }
}
