import Collectives
import Foundation
import Layers
import Optimizers
import Tensors

/// Training failures a user can cause or meet (bad data shapes, a diverging run).
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    /// The loss or a gradient stopped being finite; names where it was first seen.
    case nonFinite(String)
    public var description: String {
        switch self {
        case .invalid(let m): return m
        case .nonFinite(let m): return "training stopped: \(m)"
        }
    }
}

/// Trains a `Sequential` model with a loss and an optimizer: `fit`, `evaluate`, `predict`.
///
/// ```swift
/// let trainer = Trainer(model: model, loss: BinaryCrossEntropy(), optimizer: Adam())
/// var o = FitOptions(); o.epochs = 5; o.validationSplit = 0.2
/// let history = try trainer.fit(x: xTrain, y: yTrain, options: o)
/// let report = try trainer.evaluate(x: xTest, y: yTest)
/// ```
public final class Trainer {
    public let model: Model
    public let loss: any Loss
    public let optimizer: any Optimizer
    /// BPTT diagnostics: attached to the forward context every `probeEvery` steps (see `GradientFlowMonitor`).
    public var probe: RecurrentProbe?
    public var probeEvery = 10
    /// Multiplies a schedule's rate (a callback lowers it: `ReduceLROnPlateau`); 1 by default.
    public var learningRateScale: Float = 1
    /// Whether the `fit` in progress follows a schedule.
    public private(set) var followsSchedule = false
    /// `FitOptions.averagingMomentum` of the running `fit`.
    var averagingMomentum: Float?

    /// Lowers the learning rate by `factor`, not below `floor`: the optimizer's rate, or the
    /// schedule's through `learningRateScale`.
    public func lowerLearningRate(by factor: Float, floor: Float) {
        let current = optimizer.learningRate
        let lowered = max(current * factor, floor)
        if followsSchedule {
            learningRateScale *= current > 0 ? lowered / current : factor
        }
        optimizer.learningRate = lowered
    }

    /// Sums gradients over the ranks of a data-parallel job (`Trainer+DataParallel.swift`); one
    /// process by default.
    public var reducer = GradientReducer(communicator: SingleProcess())

    /// The callbacks of the `fit` in progress that `Checkpoint.save` stores the state of.
    public internal(set) var resumableCallbacks: [any ResumableCallback] = []

    public init(model: Model, loss: any Loss, optimizer: any Optimizer) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
    }

    /// The seed of the dropout masks of one step, a pure function of (seed, epoch, step).
    static func stepSeed(_ seed: UInt64, _ epoch: Int, _ step: Int) -> UInt64 {
        var g = SeededGenerator(
            seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(step) &* 0xD1B5_4A32_D192_ED03))
        return g.next()
    }

    /// One optimizer step on a batch; returns the batch loss.
    @discardableResult
    public func trainStep(
        x: Tensor, y: Tensor, seed: UInt64, clipping: GradientClipping = .none, probe: RecurrentProbe? = nil,
        onStep: ((Float, GradientClippingReport) throws -> Void)? = nil
    ) throws -> Float {
        try step(x: x, y: y, seed: seed, clipping: clipping, probe: probe, onStep: onStep).loss
    }

    /// `trainStep`, also returning the step's predictions and the mask of its counted steps (for
    /// metrics). In a data-parallel job, `x` and `y` are this rank's shard (maybe no rows), and the
    /// loss and gradients are the whole batch's, summed over the ranks.
    func step(
        x: Tensor, y: Tensor, seed: UInt64, clipping: GradientClipping, probe: RecurrentProbe?,
        onStep: ((Float, GradientClippingReport) throws -> Void)?
    ) throws -> (loss: Float, predictions: Tensor?, mask: Tensor?) {
        let params = model.trainableParameters
        var value: Float = 0
        var grads: [Tensor]
        var predictions: Tensor?
        var mask: Tensor?
        if x.shape.first ?? 0 > 0 || communicator.size == 1 {
            let (v, g, p, m) = try lossAndGradients(x: x, y: y, seed: rankSeed(seed), probe: probe, params: params)
            (value, grads, predictions, mask) = (v, g, p, m)
        } else {
            grads = params.map { Tensor.zeros($0.parameter.value.shape) }
        }
        if communicator.size > 1 {
            let weight = predictions == nil ? 0 : mask.map { $0.sum().scalar ?? 0 } ?? Float(x.shape[0])
            (value, grads) = try reduceGradients(grads, loss: value, weight: weight)
        }
        // One pass: the global norm is non-finite exactly when some gradient element is.
        let norm = GradientClipping.globalNorm(grads)
        guard norm.isFinite else {
            let name =
                zip(params, grads).first { _, g in g.withUnsafeBufferPointer { $0.contains { !$0.isFinite } } }?.0.name
                ?? "a parameter"
            throw TrainingError.nonFinite(
                "the gradient of \(name) became non-finite at optimizer step \(optimizer.iterations + 1)")
        }
        let r = clipping.apply(&grads, globalNorm: norm)
        try optimizer.step(params, gradients: grads)
        try foldIntoAverages(params)
        try onStep?(value, GradientClippingReport(normBefore: r.normBefore, normAfter: r.normAfter, clipped: r.clipped))
        return (value, predictions, mask)
    }

    /// Forward, loss and backward. The recorded graph holds references to the parameters'
    /// storage; it is released when this returns, so the optimizer then updates the weights in
    /// place instead of copying every parameter first (copy-on-write; 0.7 MB a step for model (a)).
    func lossAndGradients(
        x: Tensor, y: Tensor, seed: UInt64, probe: RecurrentProbe?,
        params: [(name: String, parameter: Parameter)]
    ) throws -> (Float, [Tensor], Tensor, Tensor?) {
        var ctx = ForwardContext(training: true, seed: seed)
        ctx.probe = probe
        let pred = try model.forward(x, context: &ctx)
        let mask = lossMask(ctx.mask, pred: pred, y: y)
        let l = try loss(pred, y, mask: mask)
        let value = l.scalar ?? .nan
        guard value.isFinite else {
            throw TrainingError.nonFinite(
                "the loss became \(value) at optimizer step \(optimizer.iterations + 1): \(locateNonFinite(x, seed: seed))"
            )
        }
        return (value, try gradients(of: l, wrt: params.map(\.parameter.value)), pred.detached(), mask)
    }

    /// Where non-finite values first appear: a parameter, the input batch, or a layer's output.
    func locateNonFinite(_ x: Tensor, seed: UInt64) -> String {
        func bad(_ t: Tensor) -> Bool { t.withUnsafeBufferPointer { $0.contains { !$0.isFinite } } }
        if let p = model.namedParameters.first(where: { bad($0.parameter.value) }) {
            return "parameter \(p.name) holds non-finite values"
        }
        if bad(x) { return "the input batch contains NaN or infinite values" }
        guard model.isChain else {
            return
                "a layer's output became non-finite (its parameters are finite; lower the learning rate or clip gradients)"
        }
        var ctx = ForwardContext(training: true, seed: seed)
        var h = x
        for l in model.layers {
            guard let out = try? withNoGrad({ try l.forward(h, context: &ctx) }) else { break }
            if bad(out) {
                return
                    "the output of layer \(l.name) became non-finite (its parameters are finite; lower the learning rate or clip gradients)"
            }
            h = out
        }
        return "every layer's output is finite, so the loss itself overflowed (check the targets' scale)"
    }

    /// The context mask, when it lines up with the per-step losses.
    func lossMask(_ mask: Tensor?, pred: Tensor, y: Tensor) -> Tensor? {
        guard let mask, pred.rank == 3, mask.shape == Array(pred.shape.prefix(2)) else { return nil }
        return mask
    }

    /// Trains for `options.epochs` epochs of shuffled mini-batches.
    @discardableResult
    public func fit(x: Tensor, y: Tensor, options: FitOptions = FitOptions()) throws -> History {
        guard x.shape.first == y.shape.first, let n = x.shape.first, n > 0 else {
            throw TrainingError.invalid(
                "x has \(x.shape.first ?? 0) examples but y has \(y.shape.first ?? 0); both need the same positive count"
            )
        }
        guard options.batchSize > 0, options.epochs >= 0 else {
            throw TrainingError.invalid("batch size must be positive and epochs non-negative")
        }
        followsSchedule = options.schedule != nil
        averagingMomentum = options.averagingMomentum
        defer { averagingMomentum = nil }
        learningRateScale = 1  // a resumed ReduceLROnPlateau puts its scale back
        var trainX = x
        var trainY = y
        var validation = options.validationData
        if validation == nil && options.validationSplit > 0 {
            guard options.validationSplit < 1 else {
                throw TrainingError.invalid("validation_split must be in [0, 1), got \(options.validationSplit)")
            }
            let nVal = FitOptions.validationCount(of: n, split: options.validationSplit)
            if nVal > 0 && nVal < n {
                validation = (
                    try x.slice(axis: 0, start: n - nVal, length: nVal),
                    try y.slice(axis: 0, start: n - nVal, length: nVal)
                )
                trainX = try x.slice(axis: 0, start: 0, length: n - nVal)
                trainY = try y.slice(axis: 0, start: 0, length: n - nVal)
            }
        }
        let nTrain = trainX.shape[0]
        // (n + b − 1) / b overflowed for b near Int.max
        let steps = nTrain == 0 ? 0 : (nTrain - 1) / options.batchSize + 1
        let task = options.task ?? TaskKind.forLoss(loss, outputShape: model.outputShape)
        let progress = ProgressPrinter(
            verbosity: options.verbosity, totalSteps: steps, epochs: options.epochs, samples: nTrain)
        let metrics: [any Metric] = try options.metrics.map { try ConfusionMetric($0) } + options.extraMetrics
        var history = options.initialHistory
        let callbacks = options.callbacks.filter { communicator.isPrimary || !$0.primaryRankOnly }
        for cb in callbacks { try cb.onTrainBegin(self) }
        resumableCallbacks = options.callbacks.compactMap { $0 as? any ResumableCallback }
        defer { resumableCallbacks = [] }
        var firstEpoch = options.initialEpoch + 1
        if options.initialEpoch > 0 {
            for cb in resumableCallbacks {
                try cb.resume(
                    history: options.initialHistory, state: options.initialCallbackState[cb.checkpointKey] ?? [:],
                    trainer: self)
            }
            // A run that had stopped (early stopping) at the checkpoint trains no further epoch.
            if resumableCallbacks.contains(where: \.stoppedAtResume) { firstEpoch = options.epochs + 1 }
        }
        try checkDataParallel()
        try synchronizeWeights()
        let lengths = options.shuffle && options.bucketByLength ? LengthBuckets.lengths(of: trainX) : nil

        epochLoop: for epoch in stride(from: firstEpoch, through: options.epochs, by: 1) {
            let t0 = ProgressPrinter.now()
            try model.resetStates()
            swapAverages()  // back to the raw weights (after the first epoch, or a resumed one)
            var order =
                options.shuffle
                ? SeededGenerator.epochOrder(count: nTrain, seed: options.seed, epoch: epoch) : Array(0..<nTrain)
            if let lengths {
                order = LengthBuckets.order(
                    order, lengths: lengths, batchSize: options.batchSize, seed: options.seed, epoch: epoch)
            }
            progress.beginEpoch(epoch)
            for m in metrics { m.reset() }
            var lossSum = 0.0
            for s in 0..<steps {
                let idx = order[(s * options.batchSize)..<min(nTrain, (s + 1) * options.batchSize)]
                let local = localRows(idx)
                let (xb, yb) = (try trainX.rows(local), try trainY.rows(local))
                if let schedule = options.schedule {
                    optimizer.learningRate = schedule.rate(at: optimizer.iterations) * learningRateScale
                }
                let sampled = probe != nil && s % max(probeEvery, 1) == 0
                let (l, predictions, mask) = try step(
                    x: xb, y: yb, seed: Trainer.stepSeed(options.seed, epoch, s), clipping: options.clipping,
                    probe: sampled ? probe : nil
                ) { l, r in
                    for cb in callbacks {
                        try cb.onStepEnd(StepInfo(epoch: epoch, step: s, loss: l, clipping: r), trainer: self)
                    }
                }
                if let predictions {
                    for m in metrics { try m.update(predictions: predictions, targets: yb, mask: mask, task: task) }
                }
                lossSum += Double(l) * Double(idx.count)
                progress.step(s + 1) {  // the running figures, read only when the bar is drawn
                    var running = ["loss": lossSum / Double(min(nTrain, (s + 1) * options.batchSize))]
                    for m in metrics { if let v = m.result() { running[m.name] = v } }
                    return running
                }
            }
            // The last step's update can leave non-finite weights while every loss and gradient
            // was finite (e.g. a divergent rate): stop here, before any callback writes them.
            if let bad = model.namedParameters.first(where: { p in
                p.parameter.value.withUnsafeBufferPointer { $0.contains { !$0.isFinite } }
            }) {
                throw TrainingError.nonFinite(
                    "parameter \(bad.name) became non-finite during epoch \(epoch) (by optimizer step \(optimizer.iterations)); lower the learning rate, clip gradients, or check the optimizer's settings"
                )
            }
            swapAverages()  // validation, callbacks and checkpoints see the average
            var values: [String: Double] = ["loss": lossSum / Double(nTrain), "lr": Double(optimizer.learningRate)]
            // over this epoch's batches (and every rank's), as Keras
            for (name, v) in try reducedResults(metrics) { values[name] = v }
            if let (vx, vy) = validation {
                let e = try evaluateAcrossRanks(
                    x: vx, y: vy, batchSize: max(options.batchSize, 256), task: task, metrics: metrics)
                values["val_loss"] = e.loss
                for (name, v) in e.metrics { values["val_" + name] = v }
            }
            values["seconds"] = ProgressPrinter.now() - t0
            let logs = EpochLogs(epoch: epoch, values: values)
            history.epochs.append(logs)
            progress.endEpoch(epoch, logs: values)
            if epoch == options.initialEpoch + 1 {
                progress.noteDuration(epochSeconds: values["seconds"] ?? 0, remaining: options.epochs - epoch)
            }
            var stop = false
            for cb in callbacks { if try cb.onEpochEnd(logs, history: history, trainer: self) { stop = true } }
            if stop { break epochLoop }
        }
        for cb in callbacks { try cb.onTrainEnd(history, trainer: self) }
        return history
    }

    /// Loss and classification figures on a dataset (no tape, in batches).
    public struct Evaluation {
        public var loss: Double
        /// `nil` for regression.
        public var confusion: ConfusionMatrix?
        public var predictions: Tensor
        /// The results of the metrics `evaluate` was given, by name.
        public var metrics: [String: Double] = [:]
        /// How many loss terms `loss` is the mean of (examples, or the steps the mask keeps).
        public var weight: Double = 0
    }

    /// Evaluates the model on `x`, `y`; `metrics` are reset, fed every batch and read.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 256, task: TaskKind? = nil, metrics: [any Metric] = [])
        throws -> Evaluation
    {
        guard x.shape.first == y.shape.first, let n = x.shape.first, n > 0 else {
            throw TrainingError.invalid("x has \(x.shape.first ?? 0) examples but y has \(y.shape.first ?? 0)")
        }
        let task = task ?? TaskKind.forLoss(loss, outputShape: model.outputShape)
        for m in metrics { m.reset() }
        return try withNoGrad {
            var lossSum = 0.0
            var weight = 0.0
            var preds: [Tensor] = []
            var pairs: ([Int], [Int]) = ([], [])
            var start = 0
            while start < n {
                let len = min(batchSize, n - start)
                let xb = try x.slice(axis: 0, start: start, length: len)
                let yb = try y.slice(axis: 0, start: start, length: len)
                var ctx = ForwardContext(training: false)
                let p = try model.forward(xb, context: &ctx)
                let mask = lossMask(ctx.mask, pred: p, y: yb)
                let w = Double(mask?.sum().scalar ?? Float(len))
                lossSum += Double(try loss(p, yb, mask: mask).scalar!) * w
                weight += w
                for m in metrics { try m.update(predictions: p, targets: yb, mask: mask, task: task) }
                let c = try task.classes(predictions: p, targets: yb, mask: mask)
                pairs.0 += c.predicted
                pairs.1 += c.actual
                preds.append(p)
                start += len
            }
            let k = task.classCount(outputShape: model.outputShape)
            let confusion =
                task == .regression ? nil : try ConfusionMatrix(predicted: pairs.0, actual: pairs.1, classes: k)
            return Evaluation(
                loss: lossSum / max(weight, 1), confusion: confusion,
                predictions: preds.count == 1 ? preds[0] : try Tensor.concat(preds, axis: 0),
                metrics: Trainer.results(of: metrics),
                weight: weight)
        }
    }
}
