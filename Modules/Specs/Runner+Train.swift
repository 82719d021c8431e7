import Collectives
import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `unroll train`: a spec through data, training, the test report and the bundle.
extension Runner {
    /// Validates the spec, reads the data, trains, evaluates on the test split and writes the bundle.
    ///
    /// The bundle folder (`output:`) must be new, empty, or a bundle: replacing a bundle needs
    /// `overwrite`. The run writes into a staging folder beside it and swaps the finished bundle in
    /// whole (`RunFolder`). With `resume`, training continues from the checkpoints of an unfinished
    /// run (or of the bundle, written by a `model_checkpoint` callback): weights, optimizer state,
    /// epoch and history are restored, and the run ends with the weights an uninterrupted run
    /// would have had. Where the output may go and whether there is anything to resume is checked
    /// before any data is read.
    public func train(
        _ specURL: URL, epochsOverride: Int? = nil, verbosity: Verbosity? = nil, resume: Bool = false,
        overwrite: Bool = false, overrides: [SpecOverride] = []
    ) throws -> TrainResult {
        var spec = try SpecLoader(registry: registry).load(specURL, overrides: overrides)
        if let e = epochsOverride { spec.epochs = e }
        if let v = verbosity { spec.verbosity = v }
        let primary = communicator.isPrimary
        var runner = self
        if !primary {  // the other ranks of a data-parallel job train silently
            spec.verbosity = .quiet
            runner.log = { _ in }
        }
        // Rank 0 sets up the run folder (and its checkpoints) before the others look at it.
        let run =
            primary ? try RunFolder.prepare(output: spec.output, resume: resume, overwrite: overwrite) : nil
        try communicator.barrier()
        let folder = try run ?? RunFolder.secondary(output: spec.output, resume: resume)
        defer { if !primary { folder.discard() } }
        return try runner.train(spec: spec, specURL: specURL, run: folder, overrides: overrides)
    }

    /// `train` after the run folder is set up: on rank 0 of a job (or one process) the whole run; on
    /// the other ranks, training alone.
    private func train(spec: Spec, specURL: URL, run: RunFolder, overrides: [SpecOverride]) throws -> TrainResult {
        let data = try spec.prepareData()
        let hasTest = data.xTest.shape[0] > 0
        log(spec.task.describe(data))
        let model = try spec.buildModel(registry: registry, data: data, log: log)
        try spec.loadInitialWeights(into: model)
        log(model.summary())
        let optimizer = try registry.make(
            .optimizer, spec.optimizer.name, config: spec.optimizer.config, as: (any Optimizer).self)
        let loss = try registry.make(.loss, spec.loss.name, config: spec.loss.config, as: (any Loss).self)
        let trainer = Trainer(model: model, loss: loss, optimizer: optimizer)
        trainer.reducer = GradientReducer(communicator: communicator)
        let validation = FitOptions.validationCount(of: data.xTrain.shape[0], split: spec.split.validation)
        log(
            "training: \(spec.optimizer.name) at learning rate \(String(format: "%.6g", optimizer.learningRate))\(spec.schedule.map { " (schedule \($0.name))" } ?? "")\(spec.averagingMomentum.map { ", weights averaged (ema \($0))" } ?? ""), batch \(spec.batchSize), \(spec.epochs) epoch\(spec.epochs == 1 ? "" : "s"); \(data.xTrain.shape[0] - validation) examples train, \(validation) validate, \(data.xTest.shape[0]) test\(communicator.size > 1 ? "; data-parallel over \(communicator.size) processes (batch \(spec.batchSize) split among them), \(BLAS.threadCount) thread\(BLAS.threadCount == 1 ? "" : "s") each" : "")"
        )
        if let notice = BLAS.narrowCoreNotice { log("note: \(notice)") }
        var o = FitOptions()
        o.epochs = spec.epochs
        o.batchSize = spec.batchSize
        o.bucketByLength = spec.bucketByLength
        o.seed = spec.seed
        o.validationSplit = spec.split.validation
        o.metrics = []
        // built-in or plugin
        o.extraMetrics = try spec.metrics.map { try registry.make(.metric, $0, config: [:], as: (any Metric).self) }
        o.clipping = spec.clipping
        o.averagingMomentum = spec.averagingMomentum
        o.task = spec.task.reading(loss: loss, outputShape: model.outputShape)
        o.verbosity = spec.verbosity
        if let s = spec.schedule {
            o.schedule = try registry.make(.schedule, s.name, config: s.config, as: ScheduleTemplate.self).schedule(
                initial: optimizer.learningRate)
        }
        let dir = run.staging
        if let from = run.resumeFrom {
            let (epoch, past, callbackState) = try Checkpoint.resume(trainer: trainer, from: from)
            o.initialEpoch = epoch
            o.initialHistory = past
            o.initialCallbackState = callbackState
            log("resuming after epoch \(epoch) from \(spec.output.path)")
        }
        o.callbacks = [
            HistoryLogger(
                csv: dir.appendingPathComponent("history.csv"), json: dir.appendingPathComponent("history.json"))
        ]
        for c in spec.callbacks {
            let made = try registry.make(.callback, c.name, config: c.config, as: CallbackFactory.self)(
                CallbackContext(outputDirectory: dir, log: spec.verbosity == .quiet ? { _ in } : log))
            // A validation figure with no validation part would only fail after the first epoch.
            if validation == 0, let m = made.monitored, m.hasPrefix("val_") {
                throw spec.mismatch(
                    c.node,
                    "\(c.name) monitors '\(m)', but the validation part is empty (\(data.xTrain.shape[0]) training "
                        + "examples × split.validation \(spec.split.validation))",
                    hint: "raise split.validation, or monitor '\(m.dropFirst(4))'")
            }
            o.callbacks.append(made)
        }
        let history = try trainer.fit(x: data.xTrain, y: data.yTrain, options: o)
        guard communicator.isPrimary else {
            return TrainResult(bundle: spec.output, history: history, test: nil, classes: data.classNames)
        }
        var test =
            hasTest
            ? try trainer.evaluate(
                x: data.xTest, y: data.yTest, batchSize: max(256, spec.batchSize), task: o.task,
                metrics: try Runner.metrics(spec.metrics, registry: registry)) : nil
        if test != nil {
            for (k, v) in try spec.task.testMetrics(model: model, data: data) { test!.metrics[k] = v }
        }
        var specText = (try? String(contentsOf: specURL, encoding: .utf8)) ?? ""
        if !overrides.isEmpty {  // the bundle's spec says what changed
            specText +=
                "\n# trained with: " + overrides.map { "--set \($0.key)=\($0.valueText)" }.joined(separator: " ") + "\n"
        }
        try ModelBundle.save(to: dir, spec: spec, specText: specText, model: model, data: data, trainer: trainer)
        if let test { try writeMetrics(test, classes: data.classNames, to: dir.appendingPathComponent("metrics.json")) }
        try BundleReport.writePlots(dir)
        try run.publish()
        if let test {
            log(report(test, classes: data.classNames, perStep: data.perStep))
        } else {
            log(
                "no test report: the test split is empty (split: {test: \(spec.split.test)}, or no test rows in the data)"
            )
        }
        log("bundle: \(spec.output.path)")
        return TrainResult(bundle: spec.output, history: history, test: test, classes: data.classNames)
    }

    /// The metrics `names`, made fresh for one evaluation.
    static func metrics(_ names: [String], registry: Registry) throws -> [any Metric] {
        try names.map { try registry.make(.metric, $0, config: [:], as: (any Metric).self) }
    }

    /// The test report: loss, accuracy, precision, recall, F1 and the confusion matrix.
    public func report(_ e: Trainer.Evaluation, classes: [String], perStep: Bool) -> String {
        var s = String(format: "test loss: %.4f\n", e.loss)
        // Metrics the confusion block below does not show (regression errors, plugin metrics).
        let others = e.metrics.filter { e.confusion == nil || !ConfusionMatrix.metricNames.contains($0.key) }
        if !others.isEmpty {
            s +=
                "test "
                + others.sorted { $0.key < $1.key }.map { "\($0.key): \(String(format: "%.4f", $0.value))" }.joined(
                    separator: "   ") + "\n"
        }
        guard let cm = e.confusion else { return s }
        let binary = cm.classes == 2
        s += String(
            format: "test accuracy: %.4f   precision: %.4f   recall: %.4f   F1: %.4f%@\n", cm.accuracy,
            cm.value(of: "precision")!, cm.value(of: "recall")!, cm.value(of: "f1")!,
            binary ? " (positive class: \(classes.count > 1 ? classes[1] : "1"))" : " (macro)")
        if cm.classes <= 20 { s += cm.report(labels: cm.classes == classes.count ? classes : nil) }
        return s
    }

    func writeMetrics(_ e: Trainer.Evaluation, classes: [String], to url: URL) throws {
        try AtomicFile.write(
            try JSONSerialization.data(
                withJSONObject: ["test": metricsObject(e, classes: classes)], options: [.prettyPrinted, .sortedKeys]),
            to: url)
    }

    /// The test report as JSON (`metrics.json`'s `test`, `evaluate --json`): loss, the class
    /// metrics and confusion matrix when there are classes, every other metric; NaN as null.
    public func metricsObject(_ e: Trainer.Evaluation, classes: [String]) -> [String: Any] {
        func json(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }  // JSON has no NaN
        var m: [String: Any] = ["loss": json(e.loss), "classes": classes]
        if let cm = e.confusion {
            for k in ConfusionMatrix.metricNames { m[k] = json(cm.value(of: k)) }
            m["confusion_matrix"] = cm.counts
            m["examples"] = cm.total
        }
        for (k, v) in e.metrics where m[k] == nil { m[k] = json(v) }
        return m
    }
}
