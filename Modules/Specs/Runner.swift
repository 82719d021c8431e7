import Foundation
import PluginRegistry
import Tensors
import Layers
import Optimizers
import Training
import TextPipeline
import Datasets

/// Runs specs and bundles: what the `unroll` subcommands do, as a library.
public struct Runner {
    public let registry: Registry
    /// Where human-readable output goes (standard output by default).
    public var log: (String) -> Void = { print($0) }
    public init(registry: Registry) { self.registry = registry }

    /// The result of `train`.
    public struct TrainResult {
        public var bundle: URL
        public var history: History
        /// The test report; nil when the test split is empty.
        public var test: Trainer.Evaluation?
        public var classes: [String]
    }

    /// Validates the spec, reads the data, trains, evaluates on the test split and writes the bundle.
    ///
    /// The bundle folder (`output:`) must be new, empty, or a bundle: replacing a bundle needs
    /// `overwrite`. The run writes into a staging folder beside it and swaps the finished bundle in
    /// whole (`RunFolder`). With `resume`, training continues from the checkpoints of an unfinished
    /// run (or of the bundle, written by a `model_checkpoint` callback): weights, optimizer state,
    /// epoch and history are restored, and the run ends with the weights an uninterrupted run
    /// would have had. Where the output may go and whether there is anything to resume is checked
    /// before any data is read.
    public func train(_ specURL: URL, epochsOverride: Int? = nil, verbosity: Verbosity? = nil, resume: Bool = false,
                      overwrite: Bool = false) throws -> TrainResult {
        var spec = try SpecLoader(registry: registry).load(specURL)
        if let e = epochsOverride { spec.epochs = e }
        if let v = verbosity { spec.verbosity = v }
        let run = try RunFolder.prepare(output: spec.output, resume: resume, overwrite: overwrite)
        let data = try spec.prepareData()
        let hasTest = data.xTest.shape[0] > 0
        log("data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test examples, \(data.perStep ? "\(data.classNames.count) symbols" : "classes: \(data.classNames.joined(separator: ", "))")")
        let model = try spec.buildModel(registry: registry, data: data, log: log)
        try spec.loadInitialWeights(into: model)
        log(model.summary())
        let optimizer = try registry.make(.optimizer, spec.optimizer.name, config: spec.optimizer.config, as: (any Optimizer).self)
        let loss = try registry.make(.loss, spec.loss.name, config: spec.loss.config, as: (any Loss).self)
        let trainer = Trainer(model: model, loss: loss, optimizer: optimizer)
        var o = FitOptions()
        o.epochs = spec.epochs; o.batchSize = spec.batchSize; o.seed = spec.seed; o.validationSplit = spec.split.validation
        o.metrics = spec.metrics; o.clipping = spec.clipping; o.verbosity = spec.verbosity
        if let s = spec.schedule {
            o.schedule = try registry.make(.schedule, s.name, config: s.config, as: ScheduleTemplate.self).schedule(initial: optimizer.learningRate)
        }
        let dir = run.staging
        if let from = run.resumeFrom {
            let (epoch, past, callbackState) = try Checkpoint.resume(trainer: trainer, from: from)
            o.initialEpoch = epoch
            o.initialHistory = past
            o.initialCallbackState = callbackState
            log("resuming after epoch \(epoch) from \(spec.output.path)")
        }
        o.callbacks = [HistoryLogger(csv: dir.appendingPathComponent("history.csv"), json: dir.appendingPathComponent("history.json"))]
        for c in spec.callbacks {
            o.callbacks.append(try registry.make(.callback, c.name, config: c.config, as: CallbackFactory.self)(CallbackContext(outputDirectory: dir)))
        }
        let history = try trainer.fit(x: data.xTrain, y: data.yTrain, options: o)
        let test = hasTest ? try trainer.evaluate(x: data.xTest, y: data.yTest, batchSize: max(256, spec.batchSize)) : nil
        let specText = (try? String(contentsOf: specURL, encoding: .utf8)) ?? ""
        try ModelBundle.save(to: dir, spec: spec, specText: specText, model: model, data: data, trainer: trainer)
        if let test { try writeMetrics(test, classes: data.classNames, to: dir.appendingPathComponent("metrics.json")) }
        try BundleReport.writePlots(dir)
        try run.publish()
        if let test {
            log(report(test, classes: data.classNames, perStep: data.perStep))
        } else {
            log("no test report: the test split is empty (split: {test: \(spec.split.test)}, or no test rows in the data)")
        }
        log("bundle: \(spec.output.path)")
        return TrainResult(bundle: spec.output, history: history, test: test, classes: data.classNames)
    }

    /// The test report: loss, accuracy, precision, recall, F1 and the confusion matrix.
    public func report(_ e: Trainer.Evaluation, classes: [String], perStep: Bool) -> String {
        var s = String(format: "test loss: %.4f\n", e.loss)
        guard let cm = e.confusion else { return s }
        let binary = cm.classes == 2
        s += String(format: "test accuracy: %.4f   precision: %.4f   recall: %.4f   F1: %.4f%@\n", cm.accuracy,
                    cm.value(of: "precision")!, cm.value(of: "recall")!, cm.value(of: "f1")!,
                    binary ? " (positive class: \(classes.count > 1 ? classes[1] : "1"))" : " (macro)")
        if cm.classes <= 20 { s += cm.report(labels: cm.classes == classes.count ? classes : nil) }
        return s
    }

    func writeMetrics(_ e: Trainer.Evaluation, classes: [String], to url: URL) throws {
        func json(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }   // JSON has no NaN
        var m: [String: Any] = ["loss": json(e.loss), "classes": classes]
        if let cm = e.confusion {
            for k in ConfusionMatrix.metricNames { m[k] = json(cm.value(of: k)) }
            m["confusion_matrix"] = cm.counts
            m["examples"] = cm.total
        }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: ["test": m], options: [.prettyPrinted, .sortedKeys]), to: url)
    }

    /// Evaluates a bundle on the test split stored in it, or on the test split of `dataSpec`'s
    /// data encoded with the bundle's own classes, alphabet and vocabulary (never refitted).
    public func evaluate(bundle dir: URL, spec dataSpec: URL? = nil) throws -> Trainer.Evaluation {
        let b = try ModelBundle.load(dir, registry: registry)
        let x: Tensor, y: Tensor
        if let dataSpec {
            let spec = try SpecLoader(registry: registry).load(dataSpec)
            let bundleLoss = try registry.make(.loss, b.description.loss, config: b.description.lossConfig.foundationObject as? [String: Any] ?? [:], as: (any Loss).self)
            let data = try spec.prepareData(fixed: FixedEncoding(classes: b.description.classes, pipeline: b.pipeline, loss: bundleLoss))
            (x, y) = (data.xTest, data.yTest)
        } else {
            guard let split = try b.testSplit() else {
                throw CheckpointError.io(path: dir.path, message: "this bundle holds no test split (trained with an empty one, or by an older Unroll); name a spec whose data to evaluate on: unroll evaluate BUNDLE SPEC")
            }
            (x, y) = split
        }
        guard x.shape.first ?? 0 > 0 else { throw TrainingError.invalid("the test split is empty: nothing to evaluate") }
        let loss = try registry.make(.loss, b.description.loss, config: b.description.lossConfig.foundationObject as? [String: Any] ?? [:], as: (any Loss).self)
        let trainer = Trainer(model: b.model, loss: loss, optimizer: SGD())
        let e = try trainer.evaluate(x: x, y: y)
        log(report(e, classes: b.description.classes, perStep: b.description.perStep))
        return e
    }

    /// Traces one input through a bundle's model (or a spec's, built from its data and `weights`).
    public func trace(_ path: URL, input: String) throws -> Trace {
        var isDir: ObjCBool = false
        let model: Model, symbols: [String], pipeline: TextPipeline?
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir), isDir.boolValue {
            let b = try ModelBundle.load(path, registry: registry)
            (model, symbols, pipeline) = (b.model, b.description.classes, b.pipeline)
            return try traceInput(model: model, symbols: symbols, pipeline: pipeline, form: b.description.form, input: input)
        }
        let spec = try SpecLoader(registry: registry).load(path)
        let data = try spec.prepareData()
        let m = try spec.buildModel(registry: registry, data: data, log: { _ in })
        try spec.loadInitialWeights(into: m)
        return try traceInput(model: m, symbols: data.classNames, pipeline: data.pipeline, form: data.form.rawValue, input: input)
    }

    func traceInput(model: Model, symbols: [String], pipeline: TextPipeline?, form: String, input: String) throws -> Trace {
        let ids: [Int], shown: [String]
        switch form {
        case "characters":
            let index = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
            ids = try input.map { c in
                guard let i = index[String(c)] else { throw TrainingError.invalid("'\(c)' is not in the model's alphabet") }
                return i
            }
            shown = input.map(String.init)
        case "texts", "tagged":
            guard let p = pipeline else { throw TrainingError.invalid("this model has no text pipeline") }
            shown = p.tokens(input)
            ids = p.vocabulary.encode(shown)
        default:
            throw TrainingError.invalid("trace needs a sequence model (characters, texts or tagging); this one reads \(form) data")
        }
        return try Tracer.trace(model: model, ids: ids, inputs: shown, symbols: symbols)
    }

    /// One prediction: the label and the probability of each class.
    public struct Prediction: Codable {
        public var text: String
        public var label: String
        public var probabilities: [String: Double]
    }

    /// Classifies texts with a text bundle.
    public func predict(bundle dir: URL, texts: [String]) throws -> [Prediction] {
        let b = try ModelBundle.load(dir, registry: registry)
        guard let p = b.pipeline, b.description.form == "texts" else {
            throw CheckpointError.format(path: dir.path, message: "predict needs a text-classification bundle (this one is \(b.description.form))")
        }
        guard !texts.isEmpty else { return [] }
        let out = try b.model.predict(try p.encode(texts).ids)
        let logits = (b.description.lossConfig.foundationObject as? [String: Any])?["from_logits"] as? Bool ?? false
        let classes = b.description.classes
        return try texts.enumerated().map { i, t in
            let row = try out.index(i)
            var probs: [Double]
            if row.count == 1 {
                let v = row.scalars[0]
                let p1 = Double(logits ? FastMath.sigmoid(v) : v)
                probs = [1 - p1, p1]
            } else {
                probs = (logits ? try row.softmax() : row).scalars.map(Double.init)
            }
            let best = probs.indices.max { probs[$0] < probs[$1] }!
            return Prediction(text: t, label: classes[best], probabilities: Dictionary(uniqueKeysWithValues: zip(classes, probs)))
        }
    }

    /// Samples `length` characters from a character bundle after `prime`, with a temperature
    /// (`p_i ∝ exp(log p_i / T)`: below 1 sharper, above 1 more random) and a seed.
    /// The most characters `generate` samples in one call (one forward pass each; the text is
    /// returned whole, so a runaway length would only fill memory).
    public static let maxGenerateLength = 10_000_000

    public func generate(bundle dir: URL, prime: String, length: Int, temperature: Double, seed: UInt64) throws -> String {
        let b = try ModelBundle.load(dir, registry: registry)
        guard b.description.form == "characters" else {
            throw CheckpointError.format(path: dir.path, message: "generate needs a character-model bundle (this one is \(b.description.form))")
        }
        guard temperature > 0, temperature.isFinite else { throw TrainingError.invalid("temperature must be positive and finite, got \(temperature)") }
        guard (0...Runner.maxGenerateLength).contains(length) else {
            throw TrainingError.invalid("length must be in 0…\(Runner.maxGenerateLength), got \(length)")
        }
        let alphabet = b.description.classes.map { Character($0) }
        let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })
        var ids = try prime.map { c -> Int in
            guard let i = index[c] else { throw TrainingError.invalid("the prime contains '\(c)', which is not in the model's alphabet") }
            return i
        }
        guard !ids.isEmpty else { throw TrainingError.invalid("the prime text must not be empty") }
        let window = b.model.inputShape[0]
        let logits = (b.description.lossConfig.foundationObject as? [String: Any])?["from_logits"] as? Bool ?? false
        var rng = SeededGenerator(seed: seed)
        var out = prime
        for _ in 0..<length {
            let context = Array(ids.suffix(window))
            let x = try Tensor(shape: [1, context.count], scalars: context.map(Float.init))
            let y = try withNoGrad { () -> Tensor in
                var ctx = ForwardContext(training: false)
                return try b.model.forward(x, context: &ctx, checkInputShape: false)
            }
            let last = try y.slice(axis: 1, start: context.count - 1, length: 1).scalars
            let logp = logits ? try Tensor(last).logSoftmax().scalars : last.map { Foundation.log(max($0, 1e-12)) }
            let scaled = logp.map { Double($0) / temperature }
            let m = scaled.max()!
            let w = scaled.map { Foundation.exp($0 - m) }
            var r = Double(rng.nextUnitFloat()) * w.reduce(0, +)
            var pick = w.count - 1
            for (i, v) in w.enumerated() { r -= v; if r <= 0 { pick = i; break } }
            ids.append(pick)
            out.append(alphabet[pick])
        }
        return out
    }
}
