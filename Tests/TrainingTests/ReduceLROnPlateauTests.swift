import Foundation
import Layers
import Optimizers
import Tensors
import Training
import XCTest

final class ReduceLROnPlateauTests: XCTestCase {
    func trainer(rate: Float) throws -> Trainer {
        let m = try Sequential(inputShape: [2], layers: [Dense(units: 1)], seed: 1)
        return Trainer(model: m, loss: MeanSquaredError(), optimizer: Adam(learningRate: rate))
    }

    /// Keras's counting: with patience 2, the rate drops after the second epoch in a row without
    /// an improvement larger than min_delta; cooldown 1 skips the next epoch; min_rate floors it.
    func testTheRateDropsAfterPatienceEpochsAndAResumeReplaysIt() throws {
        let t = try trainer(rate: 0.1)
        let cb = try ReduceLROnPlateau(patience: 2, minDelta: 0.001, cooldown: 1, minRate: 0.0005)
        var said: [String] = []
        cb.log = { said.append($0) }
        try cb.onTrainBegin(t)
        var history = History()
        for (e, v) in [1.0, 0.9, 0.8995, 0.95, 0.96, 0.97, 0.98, 0.99].enumerated() {
            let logs = EpochLogs(epoch: e + 1, values: ["val_loss": v])
            history.epochs.append(logs)
            XCTAssertFalse(try cb.onEpochEnd(logs, history: history, trainer: t))
        }
        // Epochs 3 (0.8995 is within min_delta) and 4 wait → drop. As Keras counts, the cooldown
        // epoch (5) also starts the next wait: 5, 6 → drop; 7, 8 → drop, floored at min_rate.
        XCTAssertEqual(cb.reductions, [4, 6, 8])
        XCTAssertEqual(t.optimizer.learningRate, 0.0005, accuracy: 1e-9)
        XCTAssertTrue(said[0].contains("learning rate 0.1 → 0.01 after epoch 4"), said[0])
        XCTAssertTrue(said[1].contains("learning rate 0.01 → 0.001 after epoch 6"), said[1])
        // Resumed from the history, the same epochs are the drop epochs.
        let again = try ReduceLROnPlateau(patience: 2, minDelta: 0.001, cooldown: 1, minRate: 0.0005)
        try again.resume(history: history, state: [:], trainer: try trainer(rate: 0.1))
        XCTAssertEqual(again.reductions, [4, 6, 8])
        XCTAssertThrowsError(try ReduceLROnPlateau(factor: 1.5)) { e in
            XCTAssertTrue("\(e)".contains("factor must be in (0, 1)"), "\(e)")
        }
    }
}
