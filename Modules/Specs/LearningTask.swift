import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// What a spec trains a model to do (registered as kind `task`): which data it reads, how it
/// turns that data into inputs and targets for the chosen loss, what the model's output must be,
/// what `predict` prints, what `trace` feeds and what `generate` samples. The app knows only this
/// protocol: a team adds a task in its own package, with its own dataset source if it needs one.
///
/// A spec names its task with `task: <name>` (or a mapping with `type:` and the task's fields);
/// without one, the task is the one that `isDefault(for:)` the data source's form.
///
/// Built in: `text_classification`, `sequence_tagging`, `character_model`,
/// `numeric_classification`, `regression`, `sequence_to_sequence`, `forecasting`.
///
/// ```swift
/// struct Echo: LearningTask, PluginConfig {
///     func reads(_ form: DataForm) -> Bool { form == .numeric }
///     var perStep: Bool { false }
///     func inputShape(_ s: TaskSections) throws -> [Int] { [1] }
///     func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData { … }
///     func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] { … }
/// }
/// ```
public protocol LearningTask {
    /// Whether this task can read data of `form` (a spec naming it with another source is an error).
    func reads(_ form: DataForm) -> Bool
    /// Whether a spec without `task:` whose data comes in `form` gets this task (default: no).
    func isDefault(for form: DataForm) -> Bool
    /// Whether targets are one per time step (outputs `[batch, time, k]`) rather than one per
    /// example (`[batch, k]`).
    var perStep: Bool { get }
    /// The metrics a spec without `metrics:` reports (default: accuracy).
    var defaultMetrics: [String] { get }
    /// The per-example input shape the spec's sections give, before any data is read; throws
    /// `TaskError` when a section it needs is missing.
    func inputShape(_ sections: TaskSections) throws -> [Int]
    /// The input's named parts before any data is read (placeholder lengths where only the data
    /// can tell), which graph nodes read by name (default: none, one input named `input`).
    func inputParts(_ sections: TaskSections) -> [Model.InputPart]
    /// Figures on the test split beyond the loss and metrics, added to the test report and
    /// `metrics.json` (default: none; sequence to sequence decodes the test pairs).
    func testMetrics(model: Model, data: PreparedData) throws -> [String: Double]
    /// `testMetrics` with an ensemble (`unroll evaluate --ensemble`): the models' outputs
    /// combined (default: one model's figures; an error for more, for tasks that cannot combine).
    func testMetrics(models: [Model], data: PreparedData) throws -> [String: Double]
    /// Whether the input's size is known only once the data is read (a numeric file's feature
    /// count): summaries print `?` for the layers that read the input (default: no).
    var inputSizeFromData: Bool { get }
    /// Reads the loaded data into tensors for `spec`'s loss; with `fixed` (a trained bundle's
    /// classes and pipeline) encodes with those and refits nothing.
    func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData
    /// The width of the model's last axis the data needs (default: 1 for a binary loss, else one
    /// per class).
    func outputWidth(for data: PreparedData, loss: (any Loss)?) -> Int
    /// How metrics read the model's outputs against the targets (default: as the loss's targets
    /// call for, `TaskKind.forLoss`).
    func reading(loss: any Loss, outputShape: [Int]) -> TaskKind
    /// Checks the built model against the data beyond its output width (default: nothing).
    func check(_ model: Model, spec: Spec, data: PreparedData) throws
    /// The `data:` line `train` prints (default: example counts and the classes).
    func describe(_ data: PreparedData) -> String
    /// Checks a bundle's class list against its model's output width (`model.json`'s `classes`);
    /// returns the problem, or nil (default: at least one name per output, two for one output).
    func checkClasses(_ classes: [String], outputs: Int) -> String?
    /// One result per (non-empty) input line, with a trained bundle.
    func predict(_ bundle: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction]
    /// `predict` with further models of the same vocabulary (`unroll predict --ensemble`) whose
    /// outputs combine with the bundle's (default: an error unless `ensemble` is empty).
    func predict(_ bundle: ModelBundle, ensemble: [Model], lines: [String], registry: Registry) throws
        -> [Runner.Prediction]
    /// The ids `trace` feeds for a typed input and how each step is shown (default: an error,
    /// for tasks whose input is not a sequence of symbols).
    func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    )
    /// A whole trace for tasks whose models `Tracer` cannot step through alone (decoding a
    /// sequence); nil (the default): `trace` feeds `traceInput`'s ids to `Tracer`.
    func trace(_ model: Model, input: String, symbols: [String], pipeline: TextPipeline?) throws -> Trace?
    /// Samples text after `prime` (default: an error naming what the task does instead).
    func generate(_ bundle: ModelBundle, prime: String, length: Int, temperature: Double, seed: UInt64) throws
        -> String
    /// Figures of its own for `unroll report` (a decoder's attention over a test example), each an
    /// SVG with a title; default none.
    func reportFigures(_ bundle: ModelBundle) throws -> [BundleReport.Figure]
    /// The training examples' inputs as `predict` reads them (no test example), for
    /// `unroll distill` to decode with a teacher (default: an error, for tasks that cannot learn
    /// from a teacher's outputs).
    func trainingInputs(_ loaded: LoadedData, spec: Spec) throws -> [String]
    /// The files the task's fields name (field, path relative to the spec), which `validate`
    /// checks exist; default none.
    var files: [(field: String, path: String)] { get }
    /// Range checks of the task's own fields, thrown as `ConfigError.invalidValue` so that a
    /// spec's error points at the field (`beam_width: 0`); default none.
    func checkFields() throws
    /// The fields `--task KEY=VALUE` may change on a trained bundle (decoding settings); the
    /// others were fixed by training (default: none).
    var runSettings: [String] { get }
}

/// The spec sections a task may read before data (its input shape).
public struct TaskSections {
    public var text: TextSpec?
    public var windows: WindowSpec?
    public init(text: TextSpec?, windows: WindowSpec?) { (self.text, self.windows) = (text, windows) }
}

/// A task's complaint about the spec or the bundle; the app positions it.
public struct TaskError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension LearningTask {
    public func isDefault(for form: DataForm) -> Bool { false }
    public var defaultMetrics: [String] { ["accuracy"] }
    public var inputSizeFromData: Bool { false }
    public var files: [(field: String, path: String)] { [] }
    public func checkFields() throws {}
    public var runSettings: [String] { [] }
    public func trainingInputs(_ loaded: LoadedData, spec: Spec) throws -> [String] {
        throw TaskError("task \(spec.taskName) cannot learn from a teacher's decodings: it has nothing to distill")
    }
    public func inputParts(_ sections: TaskSections) -> [Model.InputPart] { [] }
    public func testMetrics(model: Model, data: PreparedData) throws -> [String: Double] { [:] }
    public func testMetrics(models: [Model], data: PreparedData) throws -> [String: Double] {
        guard models.count == 1 else { throw Self.cannotCombine }
        return try testMetrics(model: models[0], data: data)
    }
    public func predict(_ bundle: ModelBundle, ensemble: [Model], lines: [String], registry: Registry) throws
        -> [Runner.Prediction]
    {
        guard ensemble.isEmpty else { throw Self.cannotCombine }
        return try predict(bundle, lines: lines, registry: registry)
    }
    static var cannotCombine: TaskError {
        TaskError("this bundle's task does not combine models: --ensemble is for sequence-to-sequence decoding")
    }
    public func check(_ model: Model, spec: Spec, data: PreparedData) throws {}
    public func reading(loss: any Loss, outputShape: [Int]) -> TaskKind {
        TaskKind.forLoss(loss, outputShape: outputShape)
    }

    public func outputWidth(for data: PreparedData, loss: (any Loss)?) -> Int {
        loss?.targets == .binary ? 1 : data.classNames.count
    }

    public func describe(_ data: PreparedData) -> String {
        "data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test examples, "
            + (perStep
                ? "\(data.classNames.count) symbols" : "classes: \(data.classNames.joined(separator: ", "))")
    }

    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        guard classes.count < max(outputs, outputs == 1 ? 2 : 0) else { return nil }
        return
            "\(classes.count) names for a model with \(outputs) output\(outputs == 1 ? " (a binary model needs 2)" : "s")"
    }

    public func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    ) {
        throw TaskError("trace needs a model that reads a sequence of symbols (characters or tokens)")
    }

    public func trace(_ model: Model, input: String, symbols: [String], pipeline: TextPipeline?) throws -> Trace? {
        nil
    }

    public func generate(_ bundle: ModelBundle, prime: String, length: Int, temperature: Double, seed: UInt64)
        throws -> String
    {
        throw TaskError("generate needs a character-model bundle; this model's task predicts: unroll predict")
    }

    public func reportFigures(_ bundle: ModelBundle) throws -> [BundleReport.Figure] { [] }
}

/// Helpers for tasks' `predict`.
extension LearningTask {
    /// Each class's probability from one output row, reading logits when the loss takes them
    /// (one output: `[1 − p, p]`).
    public func probabilities(_ row: Tensor, loss: any Loss) throws -> [Double] {
        if row.count == 1 {
            let p1 = Double(loss.takesLogits ? FastMath.sigmoid(row.scalars[0]) : row.scalars[0])
            return [1 - p1, p1]
        }
        return (loss.takesLogits ? try row.softmax() : row).scalars.map(Double.init)
    }

    /// One prediction per row of `output` (`[lines, classes]`): the most probable class and every
    /// class's probability.
    public func classify(_ output: Tensor, lines: [String], classes: [String], loss: any Loss) throws
        -> [Runner.Prediction]
    {
        try lines.enumerated().map { i, t in
            let probs = try probabilities(try output.index(i), loss: loss)
            let best = probs.indices.max { probs[$0] < probs[$1] }!
            return Runner.Prediction(
                text: t, label: classes[best], probabilities: Dictionary(uniqueKeysWithValues: zip(classes, probs)))
        }
    }

    /// The `text:` section, or the error saying this task needs it.
    public func requireText(_ s: TaskSections, _ what: String) throws -> TextSpec {
        guard let t = s.text else {
            throw TaskError("\(what) needs a 'text' section (steps, tokenizer, sequence_length)")
        }
        return t
    }
}

extension Registry {
    /// The task a spec without `task:` gets for data of `form`: the one task that says it is the
    /// default for it (tasks that need config fields are never chosen by default).
    public func defaultTask(for form: DataForm) throws -> (name: String, task: any LearningTask) {
        let found = try names(.task).compactMap { name -> (String, any LearningTask)? in
            guard entryNeedsNoFields(.task, name),
                let t = try make(.task, name, config: [:], as: (any LearningTask).self) as (any LearningTask)?,
                t.isDefault(for: form)
            else { return nil }
            return (name, t)
        }
        guard let first = found.first else {
            throw TaskError("no task reads \(form) data by default; name one with 'task:' (unroll layers task)")
        }
        guard found.count == 1 else {
            throw TaskError(
                "several tasks read \(form) data by default (\(found.map(\.0).joined(separator: ", "))); name one with 'task:'"
            )
        }
        return first
    }

    /// Whether a plugin can be made without any config field (none is required).
    func entryNeedsNoFields(_ kind: PluginKind, _ name: String) -> Bool {
        (try? entry(kind, name))?.fields.allSatisfy { !$0.required } ?? false
    }
}
