import Tensors

/// Fully connected layer on the last axis: `y = f(x · W + b)`.
///
/// Shapes: `[batch, in] → [batch, units]`, or per time step `[batch, time, in] → [batch, time, units]`.
/// Parameters: `kernel [in, units]` (Glorot uniform), `bias [units]` (zeros).
/// The notes' `σ(W a + b)` is this layer with `activation: sigmoid` (W here is the notes' Wᵀ).
///
/// ```swift
/// let d = try Dense(units: 64, activation: .relu)
/// ```
public final class Dense: Layer {
    public struct Config: LayerConfig {
        /// Output size.
        public var units = 1
        /// Activation applied after the affine map.
        public var activation = ActivationKind.linear
        /// Whether to add `bias`.
        public var useBias = true
        public init() {}
        public static var requiredFields: [String] { ["units"] }
    }

    public static let typeName = "Dense"
    public var name: String
    public let config: Config
    public var outputActivation: ActivationKind? { config.activation }
    /// Step t of the output reads step t of the input.
    public var stepping: Stepping { .pointwise() }
    /// `[in, units]`.
    public let kernel = Parameter()
    /// `[units]`.
    public let bias = Parameter()

    public init(config: Config, name: String = "") throws {
        guard config.units > 0 else {
            throw LayerError.config(layer: name, field: "units", message: "must be positive, got \(config.units)")
        }
        // The bias [units]; the kernel's rows come with the input, at build.
        try Parameter.checkConfigSize([config.units], layer: name, field: "units", value: config.units)
        self.config = config
        self.name = name
    }

    public convenience init(units: Int, activation: ActivationKind = .linear, useBias: Bool = true, name: String = "")
        throws
    {
        var c = Config()
        c.units = units
        c.activation = activation
        c.useBias = useBias
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let last = inputShape.last, last > 0 else {
            throw LayerError.shape(
                layer: name,
                message: "expects [batch, …, features] but got [batch\(inputShape.map { ", \($0)" }.joined())]")
        }
        return inputShape.dropLast() + [config.units]
    }

    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        let inFeatures = try outputShape(for: inputShape).count > 0 ? inputShape.last! : 0
        try kernel.initialize([inFeatures, config.units], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        if config.useBias { try bias.initialize([config.units], layer: name) { Tensor.zeros($0) } }
    }

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
        guard input.shape.last == kernel.shape[0] else {
            throw LayerError.shape(
                layer: name, message: "expects \(kernel.shape[0]) input features but got input of shape \(input.shape)")
        }
        let y = try input.matmulLastAxis(kernel.value, bias: config.useBias ? bias.value : nil)
        return try config.activation.apply(y)
    }
}
