import Tensors

/// Applies an activation function; no parameters. Shape is unchanged.
///
/// ```swift
/// let act = try Activation(.sigmoid)
/// var ctx = ForwardContext(training: false)
/// let a = try act.forward(Tensor([0, 1, -1, 0]), context: &ctx)   // [0.5, 0.7311, 0.2689, 0.5]
/// ```
public final class Activation: Layer {
    public struct Config: LayerConfig {
        /// `linear`, `sigmoid`, `tanh`, `relu` or `softmax` (over the last axis).
        public var activation = ActivationKind.linear
        public init() {}
        public static var requiredFields: [String] { ["activation"] }
    }

    public static let typeName = "Activation"
    public var name: String
    public let config: Config
    public var outputActivation: ActivationKind? { config.activation }
    /// Step t of the output reads step t of the input.
    public var stepping: Stepping { .pointwise() }

    public init(config: Config, name: String = "") throws {
        self.config = config
        self.name = name
    }
    public convenience init(_ kind: ActivationKind, name: String = "") throws {
        var c = Config()
        c.activation = kind
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}
    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        try config.activation.apply(input)
    }
}
