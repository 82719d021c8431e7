import Foundation
import Tensors
import Layers

/// Hooks into `fit`. Return `true` from `onEpochEnd` to stop training.
public protocol Callback: AnyObject {
    func onTrainBegin(_ trainer: Trainer) throws
    func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool
    func onStepEnd(_ step: StepInfo, trainer: Trainer) throws
    func onTrainEnd(_ history: History, trainer: Trainer) throws
}

extension Callback {
    public func onTrainBegin(_ trainer: Trainer) throws {}
    public func onStepEnd(_ step: StepInfo, trainer: Trainer) throws {}
    public func onTrainEnd(_ history: History, trainer: Trainer) throws {}
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

/// Stops when `monitor` has not improved for `patience` epochs; optionally ends with the best weights.
public final class EarlyStopping: Callback {
    public let monitor: String, patience: Int, minDelta: Double, mode: MonitorMode, restoreBestWeights: Bool
    private var best: Double?
    private var wait = 0
    private var bestWeights: [Tensor] = []
    /// The epoch training stopped at (0 if it ran to the end).
    public private(set) var stoppedEpoch = 0
    /// The epoch with the best monitored value.
    public private(set) var bestEpoch = 0

    public init(monitor: String = "val_loss", patience: Int = 0, minDelta: Double = 0, mode: MonitorMode = .auto, restoreBestWeights: Bool = false) {
        self.monitor = monitor; self.patience = patience; self.minDelta = minDelta; self.mode = mode; self.restoreBestWeights = restoreBestWeights
    }

    public func onTrainBegin(_ trainer: Trainer) throws { best = nil; wait = 0; stoppedEpoch = 0; bestEpoch = 0 }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        guard let v = logs.values[monitor] else {
            throw TrainingError.invalid("early stopping monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted())")
        }
        if best == nil || mode.better(v, than: best!, monitor: monitor, minDelta: minDelta) {
            best = v; wait = 0; bestEpoch = logs.epoch
            if restoreBestWeights { bestWeights = trainer.model.namedParameters.map { $0.parameter.value.detached() } }
            return false
        }
        wait += 1
        if wait > patience {
            stoppedEpoch = logs.epoch
            return true
        }
        return false
    }

    /// With `restoreBestWeights`, training ends with the best epoch's weights whether it stopped
    /// early or ran out of epochs (as Keras 3 does).
    public func onTrainEnd(_ history: History, trainer: Trainer) throws {
        guard restoreBestWeights, !bestWeights.isEmpty, bestEpoch != history.epochs.last?.epoch else { return }
        for (p, w) in zip(trainer.model.namedParameters, bestWeights) { try p.parameter.assign(w) }
    }
}

/// Saves a resumable checkpoint after each epoch, or only when `monitor` improves.
public final class ModelCheckpoint: Callback {
    public let directory: URL, monitor: String, saveBestOnly: Bool, mode: MonitorMode
    private var best: Double?
    public init(directory: URL, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode = .auto) {
        self.directory = directory; self.monitor = monitor; self.saveBestOnly = saveBestOnly; self.mode = mode
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        if saveBestOnly {
            guard let v = logs.values[monitor] else {
                throw TrainingError.invalid("checkpoint monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted())")
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
    public init(csv: URL? = nil, json: URL? = nil) { self.csv = csv; self.json = json }
    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        if let csv { try AtomicFile.write(Data(history.csv().utf8), to: csv) }
        if let json { try AtomicFile.write(try history.json(), to: json) }
        return false
    }
}
