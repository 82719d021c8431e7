import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import TextPipeline
import Training

/// A validated spec file: everything needed to load data, build the model and train it.
/// See docs/spec-format.md for every key.
public struct Spec {
    public var file: URL
    public var name: String
    public var seed: UInt64 = 0
    public var data: DataSpec
    /// What the model is trained to do (`task:`, or the default task for the data's form).
    public var task: any LearningTask
    /// The task's registry name.
    public var taskName: String
    /// The task's fields as the spec wrote them (empty for a default task).
    public var taskConfig: [String: Any] = [:]
    public var split = SplitSpec()
    /// The seed that splits the data: `split.seed`, or else `seed`.
    public var splitSeed: UInt64 { split.seed ?? seed }
    public var windows: WindowSpec?
    public var text: TextSpec?
    /// The `model:` list, or the `graph:` nodes in order.
    public var layers: [LayerSpec]
    /// Whether the spec wrote `graph:` (nodes with inputs) rather than a `model:` list.
    public var isGraph: Bool { layers.contains { $0.inputs != nil } }
    public var loss: PluginRef
    public var optimizer: PluginRef
    public var schedule: PluginRef?
    /// `metrics:`, or the task's default metrics.
    public var metrics: [String] = ["accuracy"]
    public var batchSize = 32
    /// `bucket_by_length`: batches of examples of similar length (`LengthBuckets`).
    public var bucketByLength = false
    public var epochs = 1
    public var clipping: GradientClipping = .none
    /// `ema: {momentum: μ}`: train with an exponential moving average of the weights (nil: off).
    public var averagingMomentum: Float?
    public var callbacks: [PluginRef] = []
    public var output: URL
    public var verbosity: Verbosity = .auto
    /// Initial weights (safetensors with the model's dotted names), loaded after building.
    public var weights: URL?
    /// The parsed file (kept for positions in later, data-dependent errors).
    public var root: SpecNode

    /// Folder of the spec file: relative paths in the spec are resolved against it.
    public var baseDirectory: URL { file.deletingLastPathComponent() }

    /// The files the spec reads that do not exist — the data source's (`DatasetSource.files`),
    /// GloVe vectors, the task's (`LearningTask.files`), initial weights — each at its key, with
    /// what to do.
    public func missingFiles() -> [SpecIssue] {
        func resolved(_ p: String) -> URL {
            p.hasPrefix("/") ? URL(fileURLWithPath: p) : baseDirectory.appendingPathComponent(p).standardizedFileURL
        }
        var found: [(SpecNode, URL)] = data.source.files.map { (data.node[$0.field] ?? data.node, resolved($0.path)) }
        if let e = text?.embeddings { found.append((e.node["path"] ?? e.node, resolved(e.path))) }
        found += task.files.map { (root["task"]?[$0.field] ?? root["task"] ?? root, resolved($0.path)) }
        if let w = weights { found.append((root["weights"] ?? root, w)) }
        return found.filter { !FileManager.default.fileExists(atPath: $0.1.path) }.map { node, url in
            SpecIssue(
                file: file.path, line: node.line, column: node.column, message: "no such file: \(url.path)",
                hint: url.path.contains("/data/") ? "bash Tools/fetch-data.sh --all fetches Unroll's data sets" : nil)
        }
    }
}

/// A reference to a registered plugin with its config, and where it was written.
public struct PluginRef {
    public var name: String
    public var config: [String: Any]
    public var node: SpecNode
    /// What the plugin's factory made when the spec was validated (nil for the defaults the
    /// loader fills in); its type is checked where the spec uses it.
    public var made: Any? = nil
}

/// A `model:` entry, or a `graph:` node.
public struct LayerSpec {
    /// The layer type (for a `share` node, the shared layer's).
    public var type: String
    /// The layer's (node's) name (given, or assigned like Keras: `lstm_1`).
    public var name: String
    public var config: [String: Any]
    public var node: SpecNode
    /// Graph nodes: the names this node reads (`input` or earlier nodes). Nil in a `model:` list.
    public var inputs: [String]? = nil
    /// Graph nodes: the earlier node whose layer (and weights) this node calls again.
    public var share: String? = nil
}

/// `data:` section.
public struct DataSpec {
    public var sourceName: String
    public var source: any DatasetSource
    public var node: SpecNode
}

/// `split:` section.
public struct SplitSpec {
    /// Fraction held out for testing when the source has no test part.
    public var test = 0.2
    /// Fraction of the training part used for validation during `fit`.
    public var validation = 0.0
    /// The seed of the shuffle that deals the rows into training, validation and test parts;
    /// nil: the spec's `seed`. Fixing it lets runs with other model seeds (an ensemble, a
    /// distilled student and its teachers) share one validation part.
    public var seed: UInt64? = nil
}

/// `windows:` section (character data).
public struct WindowSpec {
    public var length: Int, stride: Int
    public var limit: Int?
}

/// `text:` section.
public struct TextSpec {
    public var cleaner: TextCleaner
    public var tokenizer: Tokenizer
    public var maxTokens: Int?
    public var minCount = 1
    /// Which tokens the `maxTokens` vocabulary keeps (`vocabulary_ranking`).
    public var ranking = VocabularyRanking.frequency
    public var sequenceLength: Int
    public var padding = PadSide.pre, truncating = PadSide.pre
    public var embeddings: EmbeddingsSpec?
    public var node: SpecNode
}

/// `text.embeddings:` — pretrained vectors for an Embedding layer.
public struct EmbeddingsSpec {
    public var path: String
    public var missing: MissingWordPolicy
    /// The Embedding layer to fill (default: the first one).
    public var layer: String?
    public var node: SpecNode
}
