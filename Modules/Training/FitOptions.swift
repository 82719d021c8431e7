import Layers
import Optimizers
import Tensors

/// Settings of one `fit` call (Keras's `fit` arguments).
public struct FitOptions {
    public var epochs = 1
    public var batchSize = 32
    /// Seeds the per-epoch shuffles and the dropout masks: same seed, data and thread count ⇒ same weights.
    public var seed: UInt64 = 0
    public var shuffle = true
    /// Batch examples of similar length together (`LengthBuckets`); needs `shuffle`.
    public var bucketByLength = false
    /// Hold out the last fraction of the examples for validation (before shuffling, as Keras).
    public var validationSplit: Double = 0
    /// Explicit validation examples (takes precedence over `validationSplit`).
    public var validationData: (x: Tensor, y: Tensor)?
    /// Built-in metric names (`ConfusionMatrix.metricNames`), accumulated over each epoch's
    /// training batches and over the validation batches (`val_<name>`).
    public var metrics: [String] = ["accuracy"]
    /// Further metrics (plugins, or built-ins made through the registry), handled the same way.
    public var extraMetrics: [any Metric] = []
    public var clipping: GradientClipping = .none
    /// Momentum μ of an exponential moving average of the weights (`ema:` in a spec; nil: off).
    /// Validation, callbacks, checkpoints and the trained model see the average; training goes
    /// on from the raw weights (`Trainer+Averaging.swift`).
    public var averagingMomentum: Float?
    /// Learning rate per optimizer step; `nil` keeps the optimizer's rate.
    public var schedule: LearningRateSchedule?
    public var verbosity: Verbosity = .auto
    public var callbacks: [any Callback] = []
    /// The epoch to start from (set by `Checkpoint.resume`): epochs `initialEpoch+1 … epochs` run.
    public var initialEpoch = 0
    /// Epochs already done (from a checkpoint): kept at the front of the returned history and logs.
    public var initialHistory = History()
    /// State of `ResumableCallback`s from the checkpoint (by `checkpointKey`), handed back to them
    /// before the first resumed epoch.
    public var initialCallbackState: [String: [String: Tensor]] = [:]
    /// How to read predictions as classes; `nil` derives it from the loss.
    public var task: TaskKind?
    public init() {}
}

extension FitOptions {
    /// How many of `n` examples `validationSplit: split` holds out, the last ones: `⌊n · split⌋`.
    public static func validationCount(of n: Int, split: Double) -> Int { Int((Double(n) * split).rounded(.down)) }
}
