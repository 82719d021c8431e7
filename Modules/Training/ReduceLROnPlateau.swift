import Foundation
import Tensors

/// Lowers the learning rate when `monitor` stops improving (Keras's `ReduceLROnPlateau`): after
/// `patience` epochs in a row without an improvement of more than `minDelta`, the rate is
/// multiplied by `factor` (never below `minRate`), then `cooldown` epochs pass before waiting
/// starts again. With a schedule the schedule's rate is scaled instead
/// (`Trainer.learningRateScale`). Says what it did.
///
/// Resumable: on `--resume` the checkpoint restores the rate, and the waiting is replayed from the
/// history, so a resumed run lowers the rate where an uninterrupted one would.
///
/// ```yaml
/// callbacks: [{type: reduce_lr_on_plateau, monitor: val_loss, factor: 0.5, patience: 2}]
/// ```
public final class ReduceLROnPlateau: ResumableCallback {
    public let monitor: String, factor: Float, patience: Int, minDelta: Double, cooldown: Int, minRate: Float
    public let mode: MonitorMode
    public var monitored: String? { monitor }
    private var best: Double?
    private var wait = 0, cooldownLeft = 0
    /// The epochs after which the rate was lowered.
    public private(set) var reductions: [Int] = []
    public var log: (String) -> Void = { print($0) }

    public init(
        monitor: String = "val_loss", factor: Float = 0.1, patience: Int = 10, minDelta: Double = 1e-4,
        cooldown: Int = 0, minRate: Float = 0, mode: MonitorMode = .auto
    ) throws {
        guard factor > 0, factor < 1 else {
            throw TrainingError.invalid("reduce_lr_on_plateau: factor must be in (0, 1), got \(factor)")
        }
        guard patience >= 0, cooldown >= 0, minRate >= 0, minDelta >= 0 else {
            throw TrainingError.invalid("reduce_lr_on_plateau: patience, cooldown, min_rate and min_delta must be ≥ 0")
        }
        (self.monitor, self.factor, self.patience, self.minDelta) = (monitor, factor, patience, minDelta)
        (self.cooldown, self.minRate, self.mode) = (cooldown, minRate, mode)
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        (best, wait, cooldownLeft, reductions) = (nil, 0, 0, [])
    }

    /// One epoch's value; true when the rate should be lowered now.
    private func observe(_ v: Double) -> Bool {
        if cooldownLeft > 0 { cooldownLeft -= 1 }
        if best == nil || mode.better(v, than: best!, monitor: monitor, minDelta: minDelta) {
            best = v
            wait = 0
            return false
        }
        guard cooldownLeft == 0 else { return false }
        wait += 1
        guard wait >= max(1, patience) else { return false }
        wait = 0
        cooldownLeft = cooldown
        return true
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        guard let v = logs.values[monitor] else {
            throw TrainingError.invalid(
                "reduce_lr_on_plateau monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted())")
        }
        guard observe(v) else { return false }
        let before = trainer.optimizer.learningRate
        trainer.lowerLearningRate(by: factor, floor: minRate)
        reductions.append(logs.epoch)
        log(
            "reduce_lr_on_plateau: \(monitor) has not improved on \(String(format: "%.4f", best ?? v)) for \(max(1, patience)) epoch\(max(1, patience) == 1 ? "" : "s"); learning rate \(String(format: "%.6g", before)) → \(String(format: "%.6g", trainer.optimizer.learningRate)) after epoch \(logs.epoch)"
        )
        return false
    }

    public var checkpointKey: String { "reduce_lr_on_plateau" }
    public func checkpointState(trainer: Trainer) -> [String: Tensor] {
        ["scale": Tensor([trainer.learningRateScale])]
    }

    /// Replays the waiting over the epochs done; the rate itself comes back with the optimizer.
    public func resume(history: History, state: [String: Tensor], trainer: Trainer) throws {
        try onTrainBegin(trainer)
        for e in history.epochs {
            if let v = e.values[monitor], observe(v) { reductions.append(e.epoch) }
        }
        if let s = state["scale"]?.scalars.first { trainer.learningRateScale = s }
    }
}
