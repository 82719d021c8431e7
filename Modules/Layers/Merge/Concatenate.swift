import Tensors

/// Joins inputs along an axis (default the last, the features): `[batch, …, a]` and
/// `[batch, …, b]` → `[batch, …, a + b]`; the other axes must agree. No parameters; each input's
/// gradient is its slice of the output gradient.
///
/// ```swift
/// var ctx = ForwardContext(training: false)
/// try Concatenate().forward([Tensor(shape: [1, 2], scalars: [1, 2]), Tensor(shape: [1, 1], scalars: [3])],
///                           masks: [nil, nil], context: &ctx).scalars      // [1, 2, 3]
/// ```
public final class Concatenate: MultiInputLayer {
    public struct Config: LayerConfig {
        /// The axis of the whole tensor, batch included: -1 (default) the last; 1 the time axis of sequences.
        public var axis = -1
        public init() {}
    }
    public static let typeName = "Concatenate"
    /// Step t of the output joins step t of each input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config

    public init(config: Config = Config(), name: String = "") throws {
        guard config.axis != 0 else {
            throw LayerError.config(layer: name, field: "axis", message: "cannot be 0, the batch axis")
        }
        self.config = config
        self.name = name
    }

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] {
        guard shapes.count >= 2 else {
            throw LayerError.shape(layer: name, message: "needs at least 2 inputs, got \(shapes.count)")
        }
        let rank = shapes[0].count + 1
        let ax = config.axis < 0 ? rank + config.axis : config.axis
        guard ax >= 1, ax < rank, shapes.allSatisfy({ $0.count == rank - 1 }) else {
            throw LayerError.shape(
                layer: name,
                message:
                    "axis \(config.axis) does not fit inputs \(shapes.map { "[batch, \($0.map(String.init).joined(separator: ", "))]" }.joined(separator: " and "))"
            )
        }
        var out = shapes[0]
        for s in shapes.dropFirst() {
            var a = out
            var b = s
            a[ax - 1] = 0
            b[ax - 1] = 0
            guard a == b else {
                throw LayerError.shape(
                    layer: name,
                    message:
                        "inputs [batch, \(out.map(String.init).joined(separator: ", "))] and [batch, \(s.map(String.init).joined(separator: ", "))] differ outside axis \(config.axis)"
                )
            }
            out[ax - 1] += s[ax - 1]
        }
        return out
    }

    public func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor {
        try Tensor.concat(inputs, axis: config.axis)
    }
}
