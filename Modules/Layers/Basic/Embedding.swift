import Tensors

/// Maps token ids to vectors: `[batch, time]` (ids as Float) → `[batch, time, outputDim]`.
///
/// Parameter: `embeddings [inputDim, outputDim]`, uniform in `[−0.05, 0.05]` like Keras, or a
/// pretrained matrix (GloVe) set with `setWeights`; `trainable: false` freezes it.
/// With `maskZero`, id 0 is padding: the layer puts a `[batch, time]` mask in the context
/// (1 for real tokens) that recurrent layers and losses honour, and `inputDim` must leave room
/// for id 0. Backward is a scatter-add into the rows that were looked up. A recurrent layer
/// right after it projects each distinct id once instead of every position (`TokenLookup`).
///
/// ```swift
/// let emb = try Embedding(inputDim: 1001, outputDim: 128, maskZero: true)   // 128,128 parameters
/// var rng = SeededGenerator(seed: 1)
/// try emb.build(inputShape: [100], rng: &rng)               // per example: [time]
/// var ctx = ForwardContext(training: false)
/// let v = try emb.forward(ids, context: &ctx)               // ids [batch, 100] → [batch, 100, 128]
/// // ctx.mask is now [batch, 100]: 0 where the id was 0 (padding)
/// try emb.setWeights(glove)                                 // or pretrained vectors, [1001, 128]
/// ```
public final class Embedding: Layer, TakesPretrainedVectors {
    public struct Config: LayerConfig {
        /// Vocabulary size (largest id + 1).
        public var inputDim = 1
        /// Vector size.
        public var outputDim = 1
        /// Treat id 0 as padding and emit a mask.
        public var maskZero = false
        /// Whether the vectors are updated in training.
        public var trainable = true
        public init() {}
        public static var dataSizedField: String? { "input_dim" }
        public static var requiredFields: [String] { ["input_dim", "output_dim"] }
    }

    public static let typeName = "Embedding"
    public var name: String
    public let config: Config
    public var producesMask: Bool { config.maskZero }
    /// Step t of the output reads step t of the input.
    public var stepping: Stepping { .pointwise() }
    /// `[inputDim, outputDim]`.
    public let embeddings: Parameter

    public init(config: Config, name: String = "") throws {
        guard config.inputDim > 0 else {
            throw LayerError.config(
                layer: name, field: "input_dim", message: "must be positive, got \(config.inputDim)")
        }
        guard config.outputDim > 0 else {
            throw LayerError.config(
                layer: name, field: "output_dim", message: "must be positive, got \(config.outputDim)")
        }
        // The table [input_dim, output_dim], blamed on the larger of the two.
        let (field, value) =
            config.inputDim >= config.outputDim ? ("input_dim", config.inputDim) : ("output_dim", config.outputDim)
        try Parameter.checkConfigSize([config.inputDim, config.outputDim], layer: name, field: field, value: value)
        self.config = config
        self.name = name
        embeddings = Parameter(trainable: config.trainable)
    }

    public convenience init(
        inputDim: Int, outputDim: Int, maskZero: Bool = false, trainable: Bool = true, name: String = ""
    ) throws {
        var c = Config()
        c.inputDim = inputDim
        c.outputDim = outputDim
        c.maskZero = maskZero
        c.trainable = trainable
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw LayerError.shape(
                layer: name,
                message: "expects token ids [batch, time] but got [batch\(inputShape.map { ", \($0)" }.joined())]")
        }
        return inputShape + [config.outputDim]
    }

    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        _ = try outputShape(for: inputShape)
        if embeddings.count == 0 {  // keep pretrained weights set before build
            try embeddings.initialize([config.inputDim, config.outputDim], layer: name) {
                Tensor.randomUniform($0, low: -0.05, high: 0.05, using: &rng)
            }
        }
    }

    /// Sets pretrained vectors (e.g. from GloVe); the matrix must be `[inputDim, outputDim]`.
    public var vectorSize: Int { config.outputDim }
    public var vectorsTrainable: Bool { config.trainable }
    public func setVectors(_ matrix: Tensor) throws { try setWeights(matrix) }

    public func setWeights(_ matrix: Tensor) throws {
        guard matrix.shape == [config.inputDim, config.outputDim] else {
            throw LayerError.shape(
                layer: name,
                message:
                    "pretrained matrix has shape \(matrix.shape), expected [\(config.inputDim), \(config.outputDim)]")
        }
        try embeddings.assign(matrix, checkShape: false)
    }

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        guard embeddings.count > 0 else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 2 else {
            throw LayerError.shape(layer: name, message: "expects token ids [batch, time] but got \(input.shape)")
        }
        if config.maskZero { context.mask = input.mapElements { $0 == 0 ? 0 : 1 } }
        do {
            let out = try embeddings.value.gather(indices: input)
            context.lookup = TokenLookup(table: embeddings.value, indices: input, output: out)
            return out
        } catch let e as TensorError {
            throw LayerError.invalid(
                layer: name, message: "token ids must be integers in 0..<\(config.inputDim) (input_dim): \(e)")
        }
    }
}
