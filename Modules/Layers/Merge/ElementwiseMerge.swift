import Tensors

/// `y = x₁ + x₂ + …`; inputs of one shape. ∂y/∂xᵢ = 1.
///
/// ```swift
/// var ctx = ForwardContext(training: false)
/// try Add().forward([Tensor([1, 2]), Tensor([3, 4])], masks: [nil, nil], context: &ctx).scalars   // [4, 6]
/// ```
public final class Add: MultiInputLayer {
    public struct Config: LayerConfig { public init() {} }
    public static let typeName = "Add"
    /// Step t of the output combines step t of each input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config
    public init(config: Config = Config(), name: String = "") throws {
        self.config = config
        self.name = name
    }
    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] { try equalShapes(shapes) }
    public func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor {
        try inputs.dropFirst().reduce(inputs[0]) { try $0 + $1 }
    }
}

/// `y = x₁ ⊙ x₂ ⊙ …` (elementwise); inputs of one shape. ∂y/∂xᵢ = the product of the others.
///
/// ```swift
/// var ctx = ForwardContext(training: false)
/// try Multiply().forward([Tensor([1, 2]), Tensor([3, 4])], masks: [nil, nil], context: &ctx).scalars   // [3, 8]
/// ```
public final class Multiply: MultiInputLayer {
    public struct Config: LayerConfig { public init() {} }
    public static let typeName = "Multiply"
    /// Step t of the output combines step t of each input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config
    public init(config: Config = Config(), name: String = "") throws {
        self.config = config
        self.name = name
    }
    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] { try equalShapes(shapes) }
    public func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor {
        try inputs.dropFirst().reduce(inputs[0]) { try $0 * $1 }
    }
}

/// `y = (x₁ + … + xₙ) / n`; inputs of one shape. ∂y/∂xᵢ = 1/n.
///
/// ```swift
/// var ctx = ForwardContext(training: false)
/// try Average().forward([Tensor([1, 2]), Tensor([3, 4])], masks: [nil, nil], context: &ctx).scalars   // [2, 3]
/// ```
public final class Average: MultiInputLayer {
    public struct Config: LayerConfig { public init() {} }
    public static let typeName = "Average"
    /// Step t of the output combines step t of each input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config
    public init(config: Config = Config(), name: String = "") throws {
        self.config = config
        self.name = name
    }
    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] { try equalShapes(shapes) }
    public func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor {
        try inputs.dropFirst().reduce(inputs[0]) { try $0 + $1 }.scaled(by: 1 / Float(inputs.count))
    }
}
