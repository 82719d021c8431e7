import Layers
import PluginRegistry
import Tensors

/// A highway layer (Srivastava et al., 2015), written as a plugin would be: one file, a forward
/// pass in tensor ops (the backward comes from the ops), a `Codable` config, a namespaced name.
///
/// ```
/// h = f(x · kernel + bias)                 t = σ(x · gate_kernel + gate_bias)
/// y = t ⊙ h + (1 − t) ⊙ x
/// ```
/// Shapes: `[batch, …, features] → [batch, …, features]`. Parameters: `kernel`, `gate_kernel`
/// `[features, features]` (Glorot uniform), `bias` zeros, `gate_bias` filled with
/// `transform_bias` (−1: carry the input through at first, as the paper suggests).
public final class Highway: Layer {
    public struct Config: PluginConfig {
        public var activation = ActivationKind.relu
        /// Initial gate bias (negative: start by carrying x through).
        public var transformBias: Float = -1
        public init() {}
        public static var fieldDocs: [String: String] {
            [
                "activation": "f in h = f(x·W + b)",
                "transform_bias": "initial gate bias; negative carries the input through at first",
            ]
        }
    }

    public static let typeName = "acme.Highway"
    public var name: String
    public let config: Config
    public let kernel = Parameter(), bias = Parameter()
    public let gateKernel = Parameter(), gateBias = Parameter()

    public init(config: Config, name: String = "") throws {
        self.config = config
        self.name = name
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let f = inputShape.last, f > 0 else {
            throw LayerError.shape(layer: name, message: "expects [batch, …, features]")
        }
        return inputShape
    }

    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        let f = try outputShape(for: inputShape).last!
        // `initialize` checks the size fits before allocating (an error naming this layer, not a crash).
        try kernel.initialize([f, f], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        try gateKernel.initialize([f, f], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        try bias.initialize([f], layer: name) { Tensor.zeros($0) }
        try gateBias.initialize([f], layer: name) { Tensor.filled($0, with: config.transformBias) }
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) throws -> Tensor {
        guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
        let h = try config.activation.apply(x.matmulLastAxis(kernel.value, bias: bias.value))
        let t = try x.matmulLastAxis(gateKernel.value, bias: gateBias.value).sigmoid()
        return try t * h + (Tensor(1) - t) * x
    }
}
