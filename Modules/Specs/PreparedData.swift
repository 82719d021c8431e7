import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// A spec's data as tensors, with what is needed to reproduce the encoding at prediction time.
public struct PreparedData {
    public var xTrain: Tensor, yTrain: Tensor
    public var xTest: Tensor, yTest: Tensor
    /// Per-example input shape.
    public var inputShape: [Int]
    /// Class names (texts/numeric), tag names (tagged), or the alphabet (characters).
    public var classNames: [String]
    /// The text pipeline (texts and tagged data).
    public var pipeline: TextPipeline?
    /// Size of the id space fed to the first layer (Embedding `input_dim`, OneHot `depth`).
    public var vocabularySize: Int?
    /// Token counts of the training texts (GloVe coverage).
    public var tokenCounts: [String: Int] = [:]
    /// Whether targets are one per time step.
    public var perStep: Bool
    /// The form the data came in.
    public var form: DataForm
    /// The input's named parts (a packed input; `Model.InputPart`), empty for one input.
    public var inputParts: [Model.InputPart] = []
    /// What the task fitted on the training data and needs again with the bundle (a forecast's
    /// scaling), saved as `model.json`'s `task_state`.
    public var taskState: JSONValue? = nil
    /// Numbers per test example that a task keeps for its own test metrics and never feeds the
    /// model, `[test examples, …]` (a forecast's window levels: each test window's last value of
    /// each target, which its relative inputs and targets leave out, for sMAPE). Saved with the
    /// test split as `reference`.
    public var testReference: Tensor? = nil
    /// What the task did to the data beyond the counts, for the `data:` line `train` prints
    /// (e.g. "41,218 training targets from train_targets").
    public var notes: [String] = []

    public init(
        xTrain: Tensor, yTrain: Tensor, xTest: Tensor, yTest: Tensor, inputShape: [Int], classNames: [String],
        pipeline: TextPipeline?, vocabularySize: Int?, tokenCounts: [String: Int] = [:], perStep: Bool,
        form: DataForm
    ) {
        (self.xTrain, self.yTrain, self.xTest, self.yTest) = (xTrain, yTrain, xTest, yTest)
        (self.inputShape, self.classNames, self.pipeline) = (inputShape, classNames, pipeline)
        (self.vocabularySize, self.tokenCounts, self.perStep, self.form) = (vocabularySize, tokenCounts, perStep, form)
    }
}

/// What a trained bundle fixes about encoding data: the classes (alphabet, tags), the text
/// pipeline with its vocabulary, and the loss the targets are encoded for.
public struct FixedEncoding {
    public var classes: [String]
    public var pipeline: TextPipeline?
    /// The bundle's loss, which decides how targets are encoded.
    public var loss: any Loss
    /// The bundle's input parts (their lengths are fixed too).
    public var inputParts: [Model.InputPart]
    /// What the task fitted with the bundle (`PreparedData.taskState`).
    public var taskState: JSONValue?
    public init(
        classes: [String], pipeline: TextPipeline?, loss: any Loss, inputParts: [Model.InputPart] = [],
        taskState: JSONValue? = nil
    ) {
        (self.classes, self.pipeline, self.loss, self.inputParts, self.taskState) = (
            classes, pipeline, loss, inputParts, taskState
        )
    }
}

extension PreparedData {
    /// The tag of padding positions in tagging data (id 0).
    public static let paddingTag = "<pad>"

    /// A numeric label's class name: an integer as written (`3`), anything else as a Float (`0.5`,
    /// `1e+30`). Whole numbers beyond ±2^53 are written as Floats too (`Int(1e30)` would trap).
    public static func className(ofLabel v: Float) -> String {
        v == v.rounded() && abs(v) < 9.0e15 ? String(Int(v)) : String(v)
    }
}

/// How class targets must be encoded for a loss, from what the loss reads (`Loss.targets`).
public enum TargetEncoding {
    /// `[n, 1]` of 0/1 (a binary loss).
    case binaryColumn
    /// One-hot on a new last axis.
    case oneHot
    /// Class indices as written.
    case indices

    public static func forLoss(_ loss: (any Loss)?) -> TargetEncoding {
        switch loss?.targets ?? .oneHot {
        case .binary: return .binaryColumn
        case .indices: return .indices
        case .oneHot, .values: return .oneHot
        }
    }

    /// `labels` (class ids, `shape` of them) encoded this way over `classes` classes.
    public func encode(_ labels: [Int], classes: Int, shape: [Int]) throws -> Tensor {
        let t = try Tensor(shape: shape, scalars: labels.map(Float.init))
        switch self {
        case .indices: return t
        case .oneHot: return try Tensor.oneHot(t, depth: classes)
        case .binaryColumn: return try t.reshaped(shape + [1])
        }
    }
}

/// Problems that only the data can reveal; positioned at the spec node they concern.
public struct DataMismatch: Error, CustomStringConvertible {
    public var issue: SpecIssue
    public var description: String { issue.description }
}

extension Spec {
    /// An error about the data, positioned at `node` of the spec.
    public func mismatch(_ node: SpecNode, _ message: String, layer: String? = nil, hint: String? = nil)
        -> DataMismatch
    {
        DataMismatch(
            issue: SpecIssue(
                file: file.path, line: node.line, column: node.column, layer: layer, message: message, hint: hint))
    }

    /// Reads the data and has the spec's task encode it; with `fixed` (a trained bundle's
    /// classes, alphabet or tags, and its text pipeline), encodes with those instead of fitting
    /// new ones, and a class, symbol or tag the bundle lacks is an error.
    public func prepareData(fixed: FixedEncoding? = nil) throws -> PreparedData {
        let loaded: LoadedData
        do { loaded = try data.source.load(relativeTo: baseDirectory) } catch DataError.column(
            let path, let name, let c)
        {
            // At the data field that named the column (`text_column: txt`, or an entry of
            // `columns: [a, b]`), with the file's columns.
            func named(_ n: SpecNode) -> SpecNode? {
                if n.string == name { return n }
                if case .list(let items) = n.value { return items.first { $0.string == name } }
                return nil
            }
            guard case .map(let pairs) = data.node.value,
                let (key, node) = pairs.lazy.compactMap({ p in named(p.value).map { (p.key, $0) } }).first
            else { throw DataError.column(path: path, name: name, columns: c) }
            throw mismatch(node, "\(key): '\(name)' is not a column of \(path) (columns: \(c.joined(separator: ", ")))")
        }
        return try task.prepare(loaded, spec: self, fixed: fixed)
    }

    /// The error for data a task cannot read (a source of another form).
    public func wrongForm(_ loaded: LoadedData, _ task: any LearningTask) -> DataMismatch {
        mismatch(data.node, "task \(taskName) cannot read \(loaded.form) data (from source \(data.sourceName))")
    }

    /// A binary loss (one output column) needs exactly two classes.
    public func checkBinary(_ encoding: TargetEncoding, classes: [String]) throws {
        guard encoding == .binaryColumn && classes.count != 2 else { return }
        throw mismatch(
            loss.node,
            "\(loss.name) needs 2 classes but the data has \(classes.count) (\(classes.joined(separator: ", ")))",
            hint: "use sparse_categorical_crossentropy with a softmax over \(classes.count) units")
    }
}

extension TextSpec {
    /// Runs the padding step; its errors (a length the machine cannot hold) point at `sequence_length`.
    public func atSequenceLength<T>(_ spec: Spec, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw spec.mismatch(node["sequence_length"] ?? node, "\(error)") }
    }
}
