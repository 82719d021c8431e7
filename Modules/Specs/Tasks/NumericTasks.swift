import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `numeric_classification`: a row of features → a class (the notes' feed-forward digits net).
///
/// Data: a source of form `numeric` (`numeric_csv`: features then the label). Input
/// `[batch, features]`; the classes are the distinct label values in sorted order, targets
/// encoded as the loss reads them. `predict` reads comma-separated features, transformed as the
/// file's rows were (a source's `scale`), and prints the class and its probabilities.
public struct NumericClassificationTask: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .numeric }
    public func isDefault(for form: DataForm) -> Bool { form == .numeric }
    public var perStep: Bool { false }
    public var inputSizeFromData: Bool { true }
    public func inputShape(_ s: TaskSections) throws -> [Int] { [1] }  // the feature count comes with the file

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .numeric(let train0, _) = loaded else { throw spec.wrongForm(loaded, self) }
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? spec.loss.made as? any Loss)
        let labels = try NumericRows.finiteLabels(train0, spec: spec)
        let found = Array(Set(labels)).sorted().map(PreparedData.className(ofLabel:))
        let names = fixed?.classes ?? found
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let ids = try labels.map { v in
            guard let i = index[PreparedData.className(ofLabel: v)] else {
                throw spec.mismatch(
                    spec.data.node,
                    "label \(PreparedData.className(ofLabel: v)) is not one of the model's classes \(names)")
            }
            return i
        }
        let parts = try NumericRows.split(labels.count, spec: spec)
        if encoding == .binaryColumn && names.count != 2 {
            throw spec.mismatch(spec.loss.node, "\(spec.loss.name) needs 2 classes but the data has \(names.count)")
        }
        return PreparedData(
            xTrain: try train0.x.rows(parts[0]),
            yTrain: try encoding.encode(parts[0].map { ids[$0] }, classes: names.count, shape: [parts[0].count]),
            xTest: try train0.x.rows(parts[1]),
            yTest: try encoding.encode(parts[1].map { ids[$0] }, classes: names.count, shape: [parts[1].count]),
            inputShape: [train0.x.shape[1]], classNames: names, pipeline: nil, vocabularySize: nil, perStep: false,
            form: .numeric)
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        try classify(
            try b.model.predict(try NumericRows.features(lines, bundle: b, registry: registry)), lines: lines,
            classes: b.description.classes, loss: try b.loss(registry: registry))
    }
}

/// `regression`: a row of features → a real number (Keras's `Dense(1)` with `mse`).
///
/// Data: a source of form `numeric` (`numeric_csv`: features then the target value). Input
/// `[batch, features]`, targets `[batch, 1]`, the values as written; the model ends in one unit
/// without an activation, and the loss reads values (`mse`). Reports the loss with `mae` and
/// `rmse`; `predict` prints the predicted value.
public struct RegressionTask: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .numeric }
    public var perStep: Bool { false }
    public var inputSizeFromData: Bool { true }
    public var defaultMetrics: [String] { ["mae", "rmse"] }
    public func inputShape(_ s: TaskSections) throws -> [Int] { [1] }

    /// The target's name, `model.json`'s only class.
    public static let targetName = "value"

    public func outputWidth(for data: PreparedData, loss: (any Loss)?) -> Int { 1 }
    public func reading(loss: any Loss, outputShape: [Int]) -> TaskKind { .regression }
    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        outputs == 1 ? nil : "a regression model has one output, this one \(outputs)"
    }
    public func describe(_ data: PreparedData) -> String {
        "data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test examples, one target value each"
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .numeric(let train0, _) = loaded else { throw spec.wrongForm(loaded, self) }
        if let loss = fixed?.loss ?? spec.loss.made as? any Loss, loss.targets != .values {
            throw spec.mismatch(
                spec.loss.node, "regression predicts values, but \(spec.loss.name) reads classes",
                hint: "use loss: mse (or another loss that reads values)")
        }
        let values = try NumericRows.finiteLabels(train0, spec: spec)
        let parts = try NumericRows.split(values.count, spec: spec)
        func targets(_ idx: [Int]) throws -> Tensor {
            try Tensor(shape: [idx.count, 1], scalars: idx.map { values[$0] })
        }
        return PreparedData(
            xTrain: try train0.x.rows(parts[0]), yTrain: try targets(parts[0]), xTest: try train0.x.rows(parts[1]),
            yTest: try targets(parts[1]), inputShape: [train0.x.shape[1]], classNames: [Self.targetName],
            pipeline: nil, vocabularySize: nil, perStep: false, form: .numeric)
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        let out = try b.model.predict(try NumericRows.features(lines, bundle: b, registry: registry))
        return lines.enumerated().map { i, t in
            let v = Double(out.scalars[i * (out.count / max(1, lines.count))])
            return Runner.Prediction(text: t, label: String(format: "%.6g", v), probabilities: [:], value: v)
        }
    }
}

/// What the numeric tasks share: finite labels, the seeded split, features from typed lines.
enum NumericRows {
    static func finiteLabels(_ t: NumericTable, spec: Spec) throws -> [Float] {
        let labels = t.y.scalars
        if let bad = labels.firstIndex(where: { !$0.isFinite }) {
            throw spec.mismatch(
                spec.data.node, "label of example \(bad + 1) is \(labels[bad]); labels must be finite numbers")
        }
        return labels
    }

    static func split(_ count: Int, spec: Spec) throws -> [[Int]] {
        try Split.indices(count: count, fractions: [1 - spec.split.test, spec.split.test], seed: spec.splitSeed)
    }

    /// `[lines, features]`: each line read by the bundle's data source as training read the file.
    static func features(_ lines: [String], bundle b: ModelBundle, registry: Registry) throws -> Tensor {
        let source = try b.description.source.flatMap { s -> (any DatasetSource)? in
            guard var obj = s.foundationObject as? [String: Any],
                let name = obj.removeValue(forKey: "source") as? String
            else { return nil }
            return try registry.make(.datasetSource, name, config: obj, as: (any DatasetSource).self)
        }
        let width = b.model.inputShape.reduce(1, *)
        let rows = try lines.enumerated().map { i, line -> [Float] in
            let read: [Float]?
            do { read = try source?.features(fromLine: line) } catch {
                throw TrainingError.invalid("line \(i + 1): \(error)")
            }
            guard let f = read else {
                throw CheckpointError.format(
                    path: b.directory.path,
                    message:
                        "this bundle does not say how to read a line of features (model.json has no numeric 'source'); retrain it"
                )
            }
            guard f.count == width else {
                throw TrainingError.invalid("line \(i + 1): the model takes \(width) features, the line has \(f.count)")
            }
            return f
        }
        return try Tensor(shape: [lines.count] + b.model.inputShape, scalars: rows.flatMap { $0 })
    }
}
