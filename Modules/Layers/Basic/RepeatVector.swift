import Tensors

/// Repeats a vector `n` times along a new time axis: `[batch, features]` → `[batch, n, features]`
/// (Keras's `RepeatVector`; the encoder–decoder of the notes feeds the encoding to every decoder
/// step this way). No parameters; ∂x = Σ over the `n` copies of the output gradient.
///
/// ```swift
/// let r = try RepeatVector(n: 3)
/// var ctx = ForwardContext(training: false)
/// try r.forward(Tensor(shape: [1, 2], scalars: [1, 2]), context: &ctx).shape   // [1, 3, 2]
/// ```
public final class RepeatVector: Layer {
    public struct Config: LayerConfig {
        /// How many times (the output's time steps), ≥ 1.
        public var n = 1
        public init() {}
        public static var requiredFields: [String] { ["n"] }
    }
    public static let typeName = "RepeatVector"
    public var name: String
    public let config: Config

    public init(config: Config, name: String = "") throws {
        guard config.n >= 1 else {
            throw LayerError.config(layer: name, field: "n", message: "must be ≥ 1, got \(config.n)")
        }
        self.config = config
        self.name = name
    }
    public convenience init(n: Int, name: String = "") throws {
        var c = Config()
        c.n = n
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw LayerError.shape(
                layer: name,
                message:
                    "expects [batch, features], got [batch, \(inputShape.map(String.init).joined(separator: ", "))]")
        }
        return [config.n] + inputShape
    }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        guard input.rank == 2 else {
            throw LayerError.shape(layer: name, message: "expects [batch, features], got \(input.shape)")
        }
        context.mask = nil
        let one = try input.reshaped([input.shape[0], 1, input.shape[1]])
        return try Tensor.concat(Array(repeating: one, count: config.n), axis: 1)
    }
}
