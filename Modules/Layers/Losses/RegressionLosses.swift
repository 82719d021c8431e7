import Tensors

/// Mean squared error: `mean_k (p_k − y_k)²` per example (last axis), averaged over the batch.
/// ∂/∂p = 2(p − y)/K.
///
/// ```swift
/// let l = try MeanSquaredError()(Tensor([0.9, 0.2]).reshaped([1, 2]), Tensor([1, 0]).reshaped([1, 2]))  // (0.01 + 0.04)/2 = 0.025
/// ```
public struct MeanSquaredError: Loss {
    public static let typeName = "mean_squared_error"
    public init() {}
    /// Values of the predictions' shape (a regression's targets, or one-hot rows for a classifier).
    public var targets: LossTargets { .values }
    public func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
        try requireSameShape(p, y, Self.typeName)
        return try (p - y).squared().mean(axis: -1)
    }
}

/// The notes' sum-of-squares cost per example, `C = Σ_k (a_k − y_k)²` over the output units
/// (last axis), averaged over the batch. ∂/∂a = 2(a − y).
///
/// ```swift
/// let c = try SumOfSquares()(Tensor([0.9, 0.2]).reshaped([1, 2]), Tensor([1, 0]).reshaped([1, 2]))  // 0.01 + 0.04 = 0.05
/// ```
public struct SumOfSquares: Loss {
    public static let typeName = "sum_of_squares"
    public init() {}
    /// Values of the predictions' shape (the notes' one-hot digit rows, or a regression's targets).
    public var targets: LossTargets { .values }
    public func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
        try requireSameShape(p, y, Self.typeName)
        return try (p - y).squared().sum(axis: -1)
    }
}
