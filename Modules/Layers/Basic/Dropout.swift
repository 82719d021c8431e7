import Tensors

/// Inverted dropout: in training, each element is zeroed with probability `rate` and the rest
/// are scaled by `1/(1 − rate)`, so inference (where it does nothing) needs no rescaling.
/// Masks come from the forward context's seeded generator. Shape is unchanged.
///
/// ```swift
/// let drop = try Dropout(rate: 0.5)
/// var train = ForwardContext(training: true, seed: 7)
/// let y = try drop.forward(Tensor.ones([4, 100]), context: &train)   // each element 0 or 2
/// var infer = ForwardContext(training: false)
/// let same = try drop.forward(Tensor.ones([4, 100]), context: &infer)  // all 1
/// ```
public final class Dropout: Layer {
    public struct Config: LayerConfig {
        /// Fraction of elements to drop, in `[0, 1)`.
        public var rate: Float = 0.5
        public init() {}
        public static var requiredFields: [String] { ["rate"] }
    }

    public static let typeName = "Dropout"
    /// Step t of the output reads step t of the input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config

    public init(config: Config, name: String = "") throws {
        guard config.rate >= 0 && config.rate < 1 else {
            throw LayerError.config(layer: name, field: "rate", message: "must be in [0, 1), got \(config.rate)")
        }
        self.config = config
        self.name = name
    }
    public convenience init(rate: Float, name: String = "") throws {
        var c = Config()
        c.rate = rate
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        guard context.training, config.rate > 0 else { return input }
        return try input * Dropout.mask(input.shape, rate: config.rate, rng: &context.rng)
    }

    /// A mask of `shape` with entries 0 (probability `rate`) or `1/(1 − rate)`.
    public static func mask(_ shape: [Int], rate: Float, rng: inout SeededGenerator) -> Tensor {
        let keep = 1 / (1 - rate)
        return Tensor(shape: shape) { p, n in rng.fillMask(p, count: n, rate: rate, keep: keep) }
    }
}
