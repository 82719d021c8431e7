import Tensors

/// Pools a sequence over time, honouring the mask: `[batch, time, features]` → `[batch, features]`.
/// No parameters. The mask (`ForwardContext.mask`, `[batch, time]`, 1 = real step) ends here.
///
/// - `GlobalMaxPooling1D`: `y[b, f] = max_{t: mask[b,t] = 1} x[b, t, f]`;
///   ∂y/∂x = 1 at the (first) arg-max step, 0 elsewhere. A row with no real step gives 0.
/// - `GlobalAveragePooling1D`: `y[b, f] = Σ_t mask[b,t]·x[b,t,f] / max(1, Σ_t mask[b,t])`;
///   ∂y/∂x[b,t,f] = mask[b,t] / max(1, Σ_t mask[b,t]).
///
/// Without a mask every step counts (Keras's `GlobalMaxPooling1D` / `GlobalAveragePooling1D`).
///
/// ```swift
/// var ctx = ForwardContext(training: false)
/// ctx.mask = Tensor(shape: [1, 3], scalars: [1, 1, 0])
/// let y = try GlobalMaxPooling1D().forward(Tensor(shape: [1, 3, 1], scalars: [2, 5, 9]), context: &ctx)   // [[5]]
/// ```
public final class GlobalMaxPooling1D: Layer {
    public struct Config: LayerConfig { public init() {} }
    public static let typeName = "GlobalMaxPooling1D"
    public var name: String
    public let config: Config

    public init(config: Config = Config(), name: String = "") throws {
        self.config = config
        self.name = name
    }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try GlobalPooling.outputShape(inputShape, layer: name)
    }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        defer { context.mask = nil }
        guard let (m3, any) = try GlobalPooling.mask(context.mask, for: input, layer: name) else {
            return try input.max(axis: 1)
        }
        // Masked steps get −10^30, so the maximum never picks them while a real step exists.
        let penalty = m3.mapElements { ($0 - 1) * 1e30 }
        return try (try input + penalty).max(axis: 1) * any
    }
}

/// See `GlobalMaxPooling1D`.
public final class GlobalAveragePooling1D: Layer {
    public struct Config: LayerConfig { public init() {} }
    public static let typeName = "GlobalAveragePooling1D"
    public var name: String
    public let config: Config

    public init(config: Config = Config(), name: String = "") throws {
        self.config = config
        self.name = name
    }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try GlobalPooling.outputShape(inputShape, layer: name)
    }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        defer { context.mask = nil }
        guard let (m3, _) = try GlobalPooling.mask(context.mask, for: input, layer: name) else {
            return try input.mean(axis: 1)
        }
        let counts = try m3.sum(axis: 1).mapElements { 1 / Swift.max($0, 1) }  // [batch, 1]
        return try (try input * m3).sum(axis: 1) * counts
    }
}

enum GlobalPooling {
    static func outputShape(_ inputShape: [Int], layer: String) throws -> [Int] {
        guard inputShape.count == 2 else {
            throw LayerError.shape(
                layer: layer,
                message:
                    "pools over time: expects [batch, time, features], got [batch, \(inputShape.map(String.init).joined(separator: ", "))]"
            )
        }
        return [inputShape[1]]
    }

    /// The mask as `[batch, time, 1]` and, per row, 1 if any step is real `[batch, 1]`; nil without a mask.
    static func mask(_ mask: Tensor?, for input: Tensor, layer: String) throws -> (Tensor, Tensor)? {
        guard input.rank == 3 else {
            throw LayerError.shape(
                layer: layer, message: "pools over time: expects [batch, time, features], got \(input.shape)")
        }
        guard let mask else { return nil }
        guard mask.shape == Array(input.shape.prefix(2)) else {
            throw LayerError.shape(
                layer: layer,
                message: "mask \(mask.shape) does not match the input's [batch, time] \(Array(input.shape.prefix(2)))")
        }
        let m3 = try mask.reshaped(mask.shape + [1])
        return (m3, try mask.max(axis: 1, keepDims: true).mapElements { $0 > 0 ? 1 : 0 })
    }
}
