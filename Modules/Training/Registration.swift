import Foundation
import PluginRegistry

/// What a callback factory gets from the app: where the run writes its files, and where to say
/// what it did (nothing under `--quiet`).
public struct CallbackContext {
    public var outputDirectory: URL
    public var log: (String) -> Void
    public init(outputDirectory: URL, log: @escaping (String) -> Void = { print($0) }) {
        self.outputDirectory = outputDirectory
        self.log = log
    }
}

/// Makes a callback once the run's context is known.
public typealias CallbackFactory = (CallbackContext) throws -> any Callback

/// Registers the metrics and callbacks.
public enum TrainingPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        for m in ConfusionMatrix.metricNames {
            try r.register(
                .configured(
                    .metric, m, summary: "\(m.replacingOccurrences(of: "_", with: " ")) from the confusion matrix",
                    config: NoFields.self
                ) { _, _ in
                    try ConfusionMetric(m) as any Metric
                })
        }
        let errorDocs = ["mae": "mean absolute error", "mse": "mean squared error", "rmse": "root mean squared error"]
        for m in ErrorMetric.names {
            try r.register(
                .configured(.metric, m, summary: "\(errorDocs[m]!) of values (regression)", config: NoFields.self) {
                    _, _ in try ErrorMetric(m) as any Metric
                })
        }
        try r.register(
            .configured(
                .metric, "sequence_accuracy", summary: "share of sequences right at every (unmasked) step",
                config: NoFields.self
            ) { _, _ in SequenceAccuracy() as any Metric })
        try r.register(
            .configured(
                .callback, "early_stopping", summary: "stop when a monitored value stops improving",
                config: EarlyStoppingConfig.self
            ) { c, _ in
                { (ctx: CallbackContext) in
                    let e = EarlyStopping(
                        monitor: c.monitor, patience: c.patience, minDelta: c.minDelta, mode: c.mode,
                        restoreBestWeights: c.restoreBestWeights)
                    e.log = ctx.log
                    return e
                } as CallbackFactory
            })
        try r.register(
            .configured(
                .callback, "reduce_lr_on_plateau", summary: "lower the learning rate when a monitored value stalls",
                config: ReduceLROnPlateauConfig.self
            ) { c, _ in
                let made = try ReduceLROnPlateau(
                    monitor: c.monitor, factor: Float(c.factor), patience: c.patience, minDelta: c.minDelta,
                    cooldown: c.cooldown, minRate: Float(c.minRate), mode: c.mode)
                return { (ctx: CallbackContext) in
                    made.log = ctx.log
                    return made
                } as CallbackFactory
            })
        try r.register(
            .configured(
                .callback, "model_checkpoint", summary: "resumable checkpoint into <output>/checkpoints",
                config: CheckpointConfig.self
            ) { c, _ in
                { (ctx: CallbackContext) in
                    ModelCheckpoint(
                        directory: ctx.outputDirectory.appendingPathComponent("checkpoints"), monitor: c.monitor,
                        saveBestOnly: c.saveBestOnly, mode: c.mode)
                } as CallbackFactory
            })
        try r.register(
            .configured(
                .callback, "gradient_flow",
                summary: "per-step BPTT gradient norms, gate saturation, clipping; gradient_flow.json/csv",
                config: GradientFlowConfig.self
            ) { c, _ in
                { (ctx: CallbackContext) in
                    let m = GradientFlowMonitor(directory: ctx.outputDirectory, every: c.every)
                    m.log = ctx.log
                    return m
                } as CallbackFactory
            })
    }
}

public struct GradientFlowConfig: PluginConfig {
    /// Sample one optimizer step in this many.
    public var every = 10
    public init() {}
    public static var fieldDocs: [String: String] {
        ["every": "record one optimizer step in this many (diagnostics cost a little)"]
    }
}

public struct NoFields: PluginConfig { public init() {} }

public struct ReduceLROnPlateauConfig: PluginConfig {
    public var monitor = "val_loss", factor = 0.1, patience = 10, minDelta = 1e-4, cooldown = 0, minRate = 0.0,
        mode = MonitorMode.auto
    public init() {}
    public static var fieldDocs: [String: String] {
        [
            "factor": "multiplies the rate (0 < factor < 1)", "patience": "epochs without improvement before lowering",
            "min_delta": "smallest change that counts", "cooldown": "epochs to wait after lowering",
            "min_rate": "the rate never goes below this", "mode": "min, max or auto (min for *loss)",
        ]
    }
}

public struct EarlyStoppingConfig: PluginConfig {
    public var monitor = "val_loss", patience = 0, minDelta: Double = 0, mode = MonitorMode.auto,
        restoreBestWeights = false
    public init() {}
    public static var fieldDocs: [String: String] {
        [
            "monitor": "logged value to watch, e.g. val_loss or val_accuracy",
            "patience": "epochs without improvement before stopping",
            "min_delta": "smallest change that counts", "mode": "min, max or auto (min for *loss)",
            "restore_best_weights": "end with the best epoch's weights",
        ]
    }
}

public struct CheckpointConfig: PluginConfig {
    public var monitor = "val_loss", saveBestOnly = false, mode = MonitorMode.auto
    public init() {}
}
