import Foundation
import PluginRegistry
import Tensors

/// What every layer implements — in one file, as a plugin would.
///
/// A layer is a class with a `Codable` config (every constructor argument), a registry type name,
/// a forward pass written in tensor ops (the backward comes from the ops), shape inference that
/// needs no data, and a `build` that creates its `Parameter` properties once the input shape is
/// known. Shapes here are per example, without the batch axis: a sequence input is
/// `[time, features]`, and `forward` sees `[batch, time, features]`.
///
/// ```swift
/// let lstm = try LSTM(units: 64, returnSequences: false)
/// var rng = SeededGenerator(seed: 1)
/// try lstm.build(inputShape: [100, 128], rng: &rng)       // [time, features]
/// var ctx = ForwardContext(training: true, seed: 1)
/// let h = try lstm.forward(x, context: &ctx)               // [batch, 64]
/// ```
public protocol Layer: AnyObject {
    /// The layer's configuration: every constructor argument, with defaults.
    associatedtype Config: LayerConfig
    /// Name in the registry and in spec files, e.g. `"LSTM"`; namespaced for plugins (`"acme.Highway"`).
    static var typeName: String { get }
    /// Creates the layer (unbuilt) from its config; throws on invalid values.
    init(config: Config, name: String) throws
    /// This instance's name, e.g. `lstm_1` (models assign one when empty). Prefix of parameter names.
    var name: String { get set }
    /// The config this layer was made from.
    var config: Config { get }
    /// The per-example output shape for a per-example input shape, or an error saying why not.
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Creates the parameters for `inputShape` (per example), drawing initial values from `rng`.
    func build(inputShape: [Int], rng: inout SeededGenerator) throws
    /// Runs the layer on a batch. `context` carries the training flag, the dropout generator and
    /// the sequence mask (`[batch, time]`, 1 = real step, 0 = padding) between layers.
    func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor
    /// Scalars a forward pass keeps per example besides its output (buffers for the backward,
    /// per-step gates), for `inputShape` (per example). Memory checks add it to the outputs;
    /// default 0.
    func workingScalars(inputShape: [Int]) -> Int
    /// Whether the layer puts a padding mask (`[batch, time]`) in the context for the layers
    /// after it (Embedding with `mask_zero`); default false.
    var producesMask: Bool { get }
    /// The activation the layer ends in, when it ends in one (Dense, Activation), so readers
    /// of a model's output know whether it is already a probability; default nil.
    var outputActivation: ActivationKind? { get }
    /// How output step t depends on the input's steps, for step-by-step decoding; default
    /// `.whole` (needs the whole sequence).
    var stepping: Stepping { get }
}

/// State passed along the layers of one forward pass.
public struct ForwardContext {
    /// Training mode: dropout active, stateful layers advance.
    public var training: Bool
    /// Generator for dropout masks (seeded per step by the trainer for determinism).
    public var rng: SeededGenerator
    /// Mask of the current sequence, `[batch, time]` with 1 for real steps and 0 for padding,
    /// produced by `Embedding(mask_zero: true)` and consumed by recurrent layers and losses.
    public var mask: Tensor?
    /// When set, recurrent layers record BPTT diagnostics into it (see `RecurrentProbe`).
    public var probe: RecurrentProbe?
    /// The last `Embedding` lookup (table, ids and its output), so a recurrent layer that gets that
    /// very output as input can project each distinct id once (`Tensor.lookupProjection`).
    public var lookup: TokenLookup?

    public init(training: Bool, seed: UInt64 = 0, mask: Tensor? = nil) {
        self.training = training
        self.rng = SeededGenerator(seed: seed)
        self.mask = mask
    }
}

/// A layer that can hold pretrained vectors (GloVe): a spec's `text.embeddings` fills the first
/// such layer (or the one it names) with a `[vocabulary, vectorSize]` matrix, whatever its type.
///
/// ```swift
/// let emb = try Embedding(inputDim: 1001, outputDim: 50)
/// try emb.setVectors(Tensor.zeros([1001, 50]))      // emb.vectorSize == 50
/// ```
public protocol TakesPretrainedVectors: Layer {
    /// The size of each vector the layer holds (`output_dim`).
    var vectorSize: Int { get }
    /// Whether training goes on changing the vectors.
    var vectorsTrainable: Bool { get }
    /// Sets the `[vocabulary, vectorSize]` matrix; throws on another shape.
    func setVectors(_ matrix: Tensor) throws
}

/// An embedding lookup as the next layer may want it: `output = table[indices]`.
public struct TokenLookup {
    /// `[vocab, dim]`, with its tape identity (a trainable table gets gradients through the fused op).
    public var table: Tensor
    /// Token ids `[batch, time]` (integers stored as Float).
    public var indices: Tensor
    /// The gathered vectors `[batch, time, dim]` the embedding returned.
    public var output: Tensor

    public init(table: Tensor, indices: Tensor, output: Tensor) {
        (self.table, self.indices, self.output) = (table, indices, output)
    }
}

extension Layer {
    public func workingScalars(inputShape: [Int]) -> Int { 0 }
    public var producesMask: Bool { false }
    public var outputActivation: ActivationKind? { nil }
    public var stepping: Stepping { .whole }

    /// The registry name of this instance's type.
    public var typeName: String { Self.typeName }

    /// All built parameters with stable dotted names, found by reflection over stored properties:
    /// `Parameter` properties become `<name>.<snake_case property>`, and nested layers (e.g. the
    /// two directions of `Bidirectional`) contribute theirs under `<name>.<property>.…`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        collectParameters(of: self, prefix: name)
    }

    /// Number of scalars in all parameters (0 before `build`).
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }

    /// The config as JSON with snake_case keys (what a spec file holds).
    public func configJSON() throws -> Data { try LayerConfigCoding.encode(config) }
}

/// Reflection-based parameter discovery (shared by every layer; see `Layer.namedParameters`).
func collectParameters(of object: Any, prefix: String) -> [(name: String, parameter: Parameter)] {
    var out: [(String, Parameter)] = []
    for child in Mirror(reflecting: object).children {
        guard let label = child.label else { continue }
        let key = LayerConfigCoding.snakeCase(label.hasPrefix("_") ? String(label.dropFirst()) : label)
        if let p = child.value as? Parameter {
            // never-built parameters (use_bias: false) are not listed
            if p.count > 0 { out.append(("\(prefix).\(key)", p)) }
        } else if let sub = child.value as? any Layer {
            out += collectParameters(of: sub, prefix: "\(prefix).\(key)")
        }
    }
    return out
}
