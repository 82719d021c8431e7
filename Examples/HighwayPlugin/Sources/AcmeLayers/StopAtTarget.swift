import PluginRegistry
import Training

/// A plugin callback: stops training once a logged value reaches a target (`val_accuracy ≥ 0.9`,
/// `val_loss ≤ 0.1`) and says so. Registered as `acme.stop_at_target`:
///
/// ```yaml
/// callbacks:
///   - {type: acme.stop_at_target, monitor: val_acme.within_half, target: 0.9}
/// ```
///
/// It steers training, so it runs on every rank of a data-parallel job (the default
/// `primaryRankOnly: false`); they see the same summed logs and stop at the same epoch.
public final class StopAtTarget: Callback {
    public let monitor: String
    public let target: Double
    public let mode: MonitorMode
    /// Declared, so that `train` refuses a `val_…` monitor when the validation part is empty.
    public var monitored: String? { monitor }
    let log: (String) -> Void
    /// The epoch it stopped training at, nil while the target is not reached.
    public private(set) var stoppedAt: Int?

    public init(monitor: String, target: Double, mode: MonitorMode = .auto, log: @escaping (String) -> Void = { _ in })
    {
        self.monitor = monitor
        self.target = target
        self.mode = mode
        self.log = log
    }

    /// Whether `value` has reached the target: at most it for a loss (or `mode: min`), at least it otherwise.
    func reached(_ value: Double) -> Bool {
        let minimize = mode == .min || (mode == .auto && monitor.hasSuffix("loss"))
        return minimize ? value <= target : value >= target
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        guard let value = logs.values[monitor] else {
            throw TrainingError.invalid(
                "acme.stop_at_target monitors '\(monitor)' but the epoch logged only \(logs.values.keys.sorted().joined(separator: ", "))"
            )
        }
        guard reached(value) else { return false }
        stoppedAt = logs.epoch
        log("acme.stop_at_target: \(monitor) reached \(value) (target \(target)) at epoch \(logs.epoch); stopping")
        return true
    }

    public struct Config: PluginConfig {
        public var monitor = "val_loss"
        public var target: Double = 0
        public var mode = MonitorMode.auto
        public init() {}
        public static var fieldDocs: [String: String] {
            [
                "monitor": "logged value to watch, e.g. val_accuracy", "target": "stop once the value reaches it",
                "mode": "min, max or auto (min for *loss)",
            ]
        }
    }

    static let entry = PluginEntry.configured(
        .callback, "acme.stop_at_target", summary: "stop once a logged value reaches a target", config: Config.self
    ) { c, _ in
        { (ctx: CallbackContext) in StopAtTarget(monitor: c.monitor, target: c.target, mode: c.mode, log: ctx.log) }
            as CallbackFactory
    }
}
