import Foundation
import Layers
import Tensors

/// Hooks into `fit`. Return `true` from `onEpochEnd` to stop training.
public protocol Callback: AnyObject {
    func onTrainBegin(_ trainer: Trainer) throws
    func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool
    func onStepEnd(_ step: StepInfo, trainer: Trainer) throws
    func onTrainEnd(_ history: History, trainer: Trainer) throws
    /// Whether only rank 0 of a data-parallel job runs it (callbacks that only write files: history,
    /// checkpoints). Default false: callbacks that steer training (early stopping, learning-rate
    /// changes) run on every rank, which see the same summed logs and so decide alike.
    var primaryRankOnly: Bool { get }
    /// The logged value it reads at each epoch's end (`val_loss`), which must be logged; nil
    /// (the default): none.
    var monitored: String? { get }
}

extension Callback {
    public var primaryRankOnly: Bool { false }
    public var monitored: String? { nil }
    public func onTrainBegin(_ trainer: Trainer) throws {}
    public func onStepEnd(_ step: StepInfo, trainer: Trainer) throws {}
    public func onTrainEnd(_ history: History, trainer: Trainer) throws {}
}

/// A callback whose state survives a resumed run: `Checkpoint.save` stores `checkpointState` next
/// to the weights, and `fit` hands it back — with the history up to the checkpoint — before the
/// first resumed epoch, so a killed and resumed run ends like an uninterrupted one.
public protocol ResumableCallback: Callback {
    /// Unique among a run's callbacks; names the state in `callbacks.safetensors`.
    var checkpointKey: String { get }
    /// Tensors to save with a checkpoint (may be empty).
    func checkpointState(trainer: Trainer) -> [String: Tensor]
    /// Restores from a checkpoint: `history` holds the epochs done, `state` what
    /// `checkpointState` returned then; the model already has the checkpoint's weights.
    func resume(history: History, state: [String: Tensor], trainer: Trainer) throws
    /// After `resume`: whether the run had already stopped at the checkpoint's epoch (early
    /// stopping whose patience ran out there), so no further epoch runs. Default false.
    var stoppedAtResume: Bool { get }
}

extension ResumableCallback {
    public var stoppedAtResume: Bool { false }
}

/// What one optimizer step did (for diagnostics callbacks).
public struct StepInfo {
    public var epoch: Int, step: Int
    public var loss: Float
    public var clipping: GradientClippingReport
}

/// Global gradient norms around clipping, for `StepInfo`.
public struct GradientClippingReport: Equatable {
    public var normBefore: Float, normAfter: Float, clipped: Bool
}

/// Which way a monitored value improves.
public enum MonitorMode: String, Codable, CaseIterable, Sendable {
    case auto, min, max
    func better(_ a: Double, than b: Double, monitor: String, minDelta: Double) -> Bool {
        let minimize = self == .min || (self == .auto && (monitor.hasSuffix("loss")))
        return minimize ? a < b - minDelta : a > b + minDelta
    }
}

/// Stops when `monitor` has not improved for `patience` epochs — as Keras counts: with
/// `patience: 2`, after the second epoch in a row without improvement (`patience: 0`: the first)
/// — and says why; optionally ends with the best weights, and says whose.
///
/// Resumable: on `--resume` the best value and the epochs waited are replayed from the history,
/// and the best weights (with `restoreBestWeights`) come from the checkpoint.
public final class EarlyStopping: ResumableCallback {
    public let monitor: String, patience: Int, minDelta: Double, mode: MonitorMode, restoreBestWeights: Bool
    public var monitored: String? { monitor }
    private var best: Double?
    private var wait = 0
    private var bestWeights: [Tensor] = []
    /// The epoch training stopped at (0 if it ran to the end).
    public private(set) var stoppedEpoch = 0
    /// The epoch with the best monitored value.
    public private(set) var bestEpoch = 0
    /// Where it says why it stopped and which weights it restored (standard output by default).
    public var log: (String) -> Void = { print($0) }

    public init(
        monitor: String = "val_loss", patience: Int = 0, minDelta: Double = 0, mode: MonitorMode = .auto,
        restoreBestWeights: Bool = false
    ) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.mode = mode
        self.restoreBestWeights = restoreBestWeights
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        best = nil
        wait = 0
        stoppedEpoch = 0
        bestEpoch = 0
        resumedStopped = false
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        guard let v = logs.values[monitor] else {
            throw TrainingError.invalid(
                "early stopping monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted())")
        }
        if observe(v, epoch: logs.epoch) {
            if restoreBestWeights { bestWeights = trainer.model.namedParameters.map { $0.parameter.value.detached() } }
            return false
        }
        if wait >= patience {
            stoppedEpoch = logs.epoch
            log(
                "early stopping: \(monitor) has not improved on \(String(format: "%.4f", best ?? v)) (epoch \(bestEpoch)) for \(wait) epoch\(wait == 1 ? "" : "s") (patience \(patience)); stopped after epoch \(logs.epoch)"
            )
            return true
        }
        return false
    }

    /// Updates best/wait with one epoch's value; true when it is the new best.
    private func observe(_ v: Double, epoch: Int) -> Bool {
        if best == nil || mode.better(v, than: best!, monitor: monitor, minDelta: minDelta) {
            best = v
            wait = 0
            bestEpoch = epoch
            return true
        }
        wait += 1
        return false
    }

    public var checkpointKey: String { "early_stopping" }

    /// The best weights so far (by parameter name) and their epoch, when restoring them is on.
    public func checkpointState(trainer: Trainer) -> [String: Tensor] {
        guard restoreBestWeights, !bestWeights.isEmpty else { return [:] }
        var out = ["best_epoch": Tensor([Float(bestEpoch)])]
        for ((name, _), w) in zip(trainer.model.namedParameters, bestWeights) { out["weights." + name] = w }
        return out
    }

    public var stoppedAtResume: Bool { resumedStopped }
    private var resumedStopped = false

    public func resume(history: History, state: [String: Tensor], trainer: Trainer) throws {
        best = nil
        wait = 0
        bestEpoch = 0
        bestWeights = []
        for logs in history.epochs { if let v = logs.values[monitor] { _ = observe(v, epoch: logs.epoch) } }
        // The replayed epochs ran out the patience: the run had stopped after its last one.
        resumedStopped = !history.epochs.isEmpty && wait >= patience && bestEpoch != history.epochs.last?.epoch
        if resumedStopped { stoppedEpoch = history.epochs.last!.epoch }
        guard restoreBestWeights, bestEpoch > 0 else { return }
        let params = trainer.model.namedParameters
        if bestEpoch == history.epochs.last?.epoch {
            bestWeights = params.map { $0.parameter.value.detached() }  // the checkpoint's own weights
        } else if state["best_epoch"]?.scalars.first.map(Int.init) == bestEpoch,
            case let saved = params.compactMap({ state["weights." + $0.name] }), saved.count == params.count
        {
            bestWeights = saved
        } else {
            throw TrainingError.invalid(
                "early stopping: the checkpoint does not hold the weights of epoch \(bestEpoch), the best '\(monitor)' so far, so restore_best_weights cannot continue"
            )
        }
    }

    /// With `restoreBestWeights`, training ends with the best epoch's weights whether it stopped
    /// early or ran out of epochs (as Keras 3 does).
    public func onTrainEnd(_ history: History, trainer: Trainer) throws {
        guard restoreBestWeights, !bestWeights.isEmpty, bestEpoch != history.epochs.last?.epoch else { return }
        for (p, w) in zip(trainer.model.namedParameters, bestWeights) { try p.parameter.assign(w) }
        log(
            "early stopping: restored the weights of epoch \(bestEpoch) (\(monitor) \(String(format: "%.4f", best ?? .nan)))"
        )
    }
}

/// Saves a resumable checkpoint after each epoch, or only when `monitor` improves.
public final class ModelCheckpoint: Callback {
    public let directory: URL, monitor: String, saveBestOnly: Bool, mode: MonitorMode
    public var primaryRankOnly: Bool { true }
    public var monitored: String? { saveBestOnly ? monitor : nil }
    private var best: Double?
    public init(directory: URL, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode = .auto) {
        self.directory = directory
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        if saveBestOnly {
            guard let v = logs.values[monitor] else {
                throw TrainingError.invalid(
                    "checkpoint monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted())")
            }
            guard best == nil || mode.better(v, than: best!, monitor: monitor, minDelta: 0) else { return false }
            best = v
        }
        try Checkpoint.save(trainer: trainer, epoch: logs.epoch, history: history, to: directory)
        return false
    }
}

/// Writes the history as CSV and/or JSON after every epoch (atomically).
public final class HistoryLogger: Callback {
    public let csv: URL?, json: URL?
    public var primaryRankOnly: Bool { true }
    public init(csv: URL? = nil, json: URL? = nil) {
        self.csv = csv
        self.json = json
    }
    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        if let csv { try AtomicFile.write(Data(history.csv().utf8), to: csv) }
        if let json { try AtomicFile.write(try history.json(), to: json) }
        return false
    }
}
