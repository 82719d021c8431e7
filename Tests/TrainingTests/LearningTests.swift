import Layers
import Optimizers
import Tensors
import XCTest

@testable import Training

final class LearningTests: XCTestCase {
    func testXORWithSigmoidNetSumOfSquaresAndPlainSGD() throws {
        let x = try Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
        let y = try Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])
        let model = try Sequential(
            inputShape: [2], layers: [Dense(units: 4, activation: .sigmoid), Dense(units: 1, activation: .sigmoid)],
            seed: 3)
        let trainer = Trainer(model: model, loss: SumOfSquares(), optimizer: SGD(learningRate: 2.0))
        var o = FitOptions()
        o.epochs = 3000
        o.batchSize = 4
        o.verbosity = .quiet
        o.metrics = []
        let h = try trainer.fit(x: x, y: y, options: o)
        XCTAssertLessThan(h.epochs.last!.values["loss"]!, 0.02)
        let p = try model.predict(x).scalars
        XCTAssertEqual(p.map { $0 > 0.5 ? 1 : 0 }, [0, 1, 1, 0], "\(p)")
    }

    /// A training step updates every parameter in place: the step's graph (which references the
    /// parameters' storage) is gone before the optimizer writes, so nothing is copied first.
    func testTrainStepUpdatesParametersInPlace() throws {
        let model = try Sequential(
            inputShape: [5],
            layers: [
                Embedding(inputDim: 9, outputDim: 4), LSTM(units: 3),
                Dense(units: 1, activation: .sigmoid),
            ], seed: 2)
        let trainer = Trainer(model: model, loss: BinaryCrossEntropy(), optimizer: Adam())
        let x = try Tensor(shape: [2, 5], scalars: [1, 2, 3, 4, 5, 8, 7, 6, 5, 4])
        let y = try Tensor(shape: [2, 1], scalars: [1, 0])
        func addresses() -> [UnsafePointer<Float>?] {
            model.namedParameters.map { $0.parameter.value.withUnsafeBufferPointer(\.baseAddress) }
        }
        let before = addresses()
        let values = model.namedParameters.map(\.parameter.value.scalars)
        try trainer.trainStep(x: x, y: y, seed: 1)
        XCTAssertEqual(addresses(), before)
        XCTAssertNotEqual(model.namedParameters.map(\.parameter.value.scalars), values)  // and they did change
    }

    /// The notes' character model: after training on "hello", feeding h, e, l, l predicts e, l, l, o.
    func testCharacterRNNLearnsHello() throws {
        let chars: [Character] = ["h", "e", "l", "o"]
        let ids = "hello".map { Float(chars.firstIndex(of: $0)!) }
        let x = try Tensor.oneHot(Tensor(Array(ids[0..<4])), depth: 4).reshaped([1, 4, 4])
        let y = try Tensor(Array(ids[1..<5])).reshaped([1, 4])
        let model = try Sequential(
            inputShape: [4, 4], layers: [SimpleRNN(units: 8, returnSequences: true), Dense(units: 4)], seed: 1)
        let trainer = Trainer(
            model: model, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam(learningRate: 0.05))
        var o = FitOptions()
        o.epochs = 150
        o.batchSize = 1
        o.verbosity = .quiet
        let h = try trainer.fit(x: x, y: y, options: o)
        XCTAssertEqual(h.epochs.last!.values["accuracy"]!, 1)
        let predicted = try model.predict(x).argmax(axis: -1).scalars.map { chars[Int($0)] }
        XCTAssertEqual(String(predicted), "ello")
    }

    func testSameSeedGivesBitIdenticalWeightsDifferentSeedDoesNot() throws {
        func train(_ seed: UInt64) throws -> [Float] {
            var g = SeededGenerator(seed: 5)
            let x = Tensor.randomNormal([40, 6, 3], using: &g)
            let y = Tensor.randomUniform([40, 1], using: &g).mapElements { $0 > 0.5 ? 1 : 0 }
            let model = try Sequential(
                inputShape: [6, 3],
                layers: [
                    LSTM(units: 5), Dropout(rate: 0.3), Dense(units: 1, activation: .sigmoid),
                ], seed: seed)
            let trainer = Trainer(model: model, loss: BinaryCrossEntropy(), optimizer: Adam(learningRate: 0.01))
            var o = FitOptions()
            o.epochs = 3
            o.batchSize = 8
            o.seed = seed
            o.verbosity = .quiet
            try trainer.fit(x: x, y: y, options: o)
            return model.namedParameters.flatMap { $0.parameter.value.scalars }
        }
        XCTAssertEqual(try train(7), try train(7))
        XCTAssertNotEqual(try train(7), try train(8))
    }

    func testNaNTerminatesWithTheParameterNamed() throws {
        let x = try Tensor(shape: [2, 1], scalars: [10, 20])
        let y = try Tensor(shape: [2, 1], scalars: [1, -1])
        let model = try Sequential(
            inputShape: [1], layers: [Dense(units: 4), Dense(units: 1, name: "dense_big")], seed: 1)
        try (model.layer(named: "dense_big") as! Dense).kernel.assign(Tensor.filled([4, 1], with: 3e38))
        let trainer = Trainer(model: model, loss: MeanSquaredError(), optimizer: SGD(learningRate: 0.1))
        var o = FitOptions()
        o.epochs = 5
        o.batchSize = 2
        o.verbosity = .quiet
        o.metrics = []
        XCTAssertThrowsError(try trainer.fit(x: x, y: y, options: o)) { e in
            guard case TrainingError.nonFinite(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("layer dense_big"), m)
        }
        // A NaN in the data is named as such.
        try (model.layer(named: "dense_big") as! Dense).kernel.assign(Tensor.filled([4, 1], with: 0.1))
        XCTAssertThrowsError(try trainer.fit(x: Tensor(shape: [2, 1], scalars: [1, .nan]), y: y, options: o)) { e in
            XCTAssertTrue("\(e)".contains("input batch"), "\(e)")
        }
    }

    /// A rate that turns the weights infinite in an epoch's last step, with every loss and gradient
    /// finite, stops the run before any callback writes them (it died in the JSON writer).
    func testWeightsTurningNonFiniteAtAnEpochsLastStepStopTheRun() throws {
        let x = try Tensor(shape: [2, 1], scalars: [1, 2])
        let y = try Tensor(shape: [2, 1], scalars: [1, -1])
        let model = try Sequential(inputShape: [1], layers: [Dense(units: 1, name: "dense_out")], seed: 1)
        let trainer = Trainer(
            model: model, loss: MeanSquaredError(), optimizer: SGD(learningRate: .greatestFiniteMagnitude))
        final class Recorder: Callback {
            var ends = 0
            func onEpochEnd(_ l: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
                ends += 1
                return false
            }
        }
        let rec = Recorder()
        var o = FitOptions()
        o.epochs = 3
        o.batchSize = 2
        o.verbosity = .quiet
        o.metrics = []
        o.callbacks = [rec]
        XCTAssertThrowsError(try trainer.fit(x: x, y: y, options: o)) { e in
            XCTAssertTrue("\(e)".contains("parameter dense_out.") && "\(e)".contains("during epoch 1"), "\(e)")
        }
        XCTAssertEqual(rec.ends, 0, "a callback saw the non-finite weights")
    }

    /// `batch_size: Int.max` overflowed the step count; it is one batch per epoch.
    func testHugeBatchSizeIsOneBatch() throws {
        let x = try Tensor(shape: [4, 1], scalars: [1, 2, 3, 4])
        let y = try Tensor(shape: [4, 1], scalars: [1, 0, 1, 0])
        let model = try Sequential(inputShape: [1], layers: [Dense(units: 1)], seed: 1)
        let trainer = Trainer(model: model, loss: MeanSquaredError(), optimizer: SGD())
        var o = FitOptions()
        o.epochs = 2
        o.batchSize = .max
        o.verbosity = .quiet
        o.metrics = []
        try trainer.fit(x: x, y: y, options: o)
        XCTAssertEqual(trainer.optimizer.iterations, 2)
    }

    /// `epochs: 2^63-1` ran on without a word: after the first epoch a note says how long.
    func testALongRequestSaysHowLongItWillTake() {
        XCTAssertNil(ProgressPrinter.durationNote(epochSeconds: 2, remaining: 100))
        let days = ProgressPrinter.durationNote(epochSeconds: 3600, remaining: 48)
        XCTAssertTrue(days?.contains("48 more epochs") == true && days?.contains("2.0 days") == true, days ?? "nil")
        let forever = ProgressPrinter.durationNote(epochSeconds: 0.5, remaining: .max - 1)
        XCTAssertTrue(forever?.contains("1.46e+11 years") == true, forever ?? "nil")
    }

    /// Each epoch's line says how many training examples a second it took.
    func testTheEpochLineGivesSamplesPerSecond() {
        let p = ProgressPrinter(verbosity: .quiet, totalSteps: 10, epochs: 1, samples: 3_000)
        XCTAssertEqual(p.throughput(2), " - 1500 samples/s")
        XCTAssertEqual(p.throughput(400), " - 7.5 samples/s")
        XCTAssertEqual(p.throughput(0), "")
        XCTAssertEqual(ProgressPrinter(verbosity: .quiet, totalSteps: 1, epochs: 1).throughput(1), "")
    }

    /// The bar counts the time left down during the epoch and gives the time per step at its end,
    /// with samples/s and the running figures.
    func testTheBarCountsDownAndEndsWithTheTimePerStep() {
        let during = ProgressPrinter.barLine(
            step: 10, of: 40, elapsed: 3, samples: 1_280, logs: ["loss": 0.5, "accuracy": 0.75])
        XCTAssertEqual(
            during, "10/40 [======>.......................] - ETA: 9s - 107 samples/s - loss: 0.5000 - accuracy: 0.7500"
        )
        let later = ProgressPrinter.barLine(step: 30, of: 40, elapsed: 9, samples: 1_280, logs: [:])
        XCTAssertTrue(later.contains("ETA: 3s"), later)
        let end = ProgressPrinter.barLine(step: 40, of: 40, elapsed: 12, samples: 1_280, logs: ["loss": 0.25])
        XCTAssertEqual(end, "40/40 [==============================] - 12s 300ms/step - 107 samples/s - loss: 0.2500")
    }

    /// Keras's count: with `patience: 2` training stops after the second epoch in a row without
    /// improvement (it waited one more before), and says why and whose weights it restored.
    func testEarlyStoppingCountsAsKerasAndSaysWhy() throws {
        let model = try Sequential(inputShape: [1], layers: [Dense(units: 1)], seed: 1)
        let trainer = Trainer(model: model, loss: MeanSquaredError(), optimizer: SGD())
        for (patience, stopsAt) in [(0, 2), (1, 2), (2, 3), (3, 4)] {
            let e = EarlyStopping(monitor: "loss", patience: patience, restoreBestWeights: true)
            var said: [String] = []
            e.log = { said.append($0) }
            try e.onTrainBegin(trainer)
            var history = History()
            var stopped = 0
            for (epoch, loss) in [0.5, 0.6, 0.7, 0.8, 0.9].enumerated() {
                let logs = EpochLogs(epoch: epoch + 1, values: ["loss": loss])
                history.epochs.append(logs)
                if try e.onEpochEnd(logs, history: history, trainer: trainer) {
                    stopped = epoch + 1
                    break
                }
            }
            XCTAssertEqual(stopped, stopsAt, "patience \(patience)")
            try e.onTrainEnd(history, trainer: trainer)
            XCTAssertEqual(
                said.first,
                "early stopping: loss has not improved on 0.5000 (epoch 1) for \(stopsAt - 1) epoch\(stopsAt == 2 ? "" : "s") (patience \(patience)); stopped after epoch \(stopsAt)"
            )
            XCTAssertEqual(said.last, "early stopping: restored the weights of epoch 1 (loss 0.5000)")
        }
    }

    func testEarlyStoppingRestoresBestWeights() throws {
        var g = SeededGenerator(seed: 2)
        let x = Tensor.randomNormal([64, 4], using: &g)
        let y = Tensor.randomUniform([64, 1], using: &g).mapElements { $0 > 0.5 ? 1 : 0 }
        let model = try Sequential(
            inputShape: [4], layers: [Dense(units: 32, activation: .relu), Dense(units: 1, activation: .sigmoid)],
            seed: 1)
        let trainer = Trainer(model: model, loss: BinaryCrossEntropy(), optimizer: Adam(learningRate: 0.05))
        let stop = EarlyStopping(monitor: "val_loss", patience: 1, restoreBestWeights: true)
        var o = FitOptions()
        o.epochs = 60
        o.batchSize = 8
        o.validationSplit = 0.5
        o.verbosity = .quiet
        o.callbacks = [stop]
        let h = try trainer.fit(x: x, y: y, options: o)  // random labels: validation loss soon rises
        XCTAssertGreaterThan(stop.stoppedEpoch, 0)
        XCTAssertLessThan(h.epochs.count, 60)
        let best = h.epochs.map { $0.values["val_loss"]! }.min()!
        let now = try trainer.evaluate(
            x: x.slice(axis: 0, start: 32, length: 32), y: y.slice(axis: 0, start: 32, length: 32)
        ).loss
        XCTAssertEqual(now, best, accuracy: 1e-5)
    }

    func testSummaryMatchesKeras() throws {
        let model = try Sequential(
            inputShape: [100],
            layers: [
                Embedding(inputDim: 1001, outputDim: 128), LSTM(units: 64),
                Dense(units: 64, activation: .relu), Dense(units: 1, activation: .sigmoid),
            ])
        let s = model.summary()
        for needle in [
            "embedding_1 (Embedding)", "lstm_1 (LSTM)", "dense_1 (Dense)", "dense_2 (Dense)", "[batch, 100, 128]",
            "128,128", "49,408", "4,160", "65", "Total params: 181,761 (710.00 KB)", "Non-trainable params: 0",
        ] {
            XCTAssertTrue(s.contains(needle), "missing \(needle) in\n\(s)")
        }
        XCTAssertThrowsError(
            try Sequential(
                inputShape: [100], layers: [Embedding(inputDim: 10, outputDim: 4), LSTM(units: 3), LSTM(units: 2)])
        ) { e in
            XCTAssertTrue("\(e)".contains("lstm_2") && "\(e)".contains("lstm_1"), "\(e)")
        }
    }
}
