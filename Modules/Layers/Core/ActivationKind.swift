import Tensors

/// Activation functions by name, as used in configs (`activation: relu`).
///
/// | name | f(x) | f′ |
/// |---|---|---|
/// | `linear` | x | 1 |
/// | `sigmoid` | 1/(1+e^(−x)) | y(1−y) |
/// | `tanh` | tanh x | 1−y² |
/// | `relu` | max(0, x) | [x > 0] |
/// | `softmax` | e^(x_k)/Σ e^(x_j) over the last axis | y ⊙ (g − Σ g y) |
///
/// ```swift
/// let p = try ActivationKind.softmax.apply(Tensor([1, 2, 3]))   // [0.0900, 0.2447, 0.6652]
/// ```
public enum ActivationKind: String, Codable, CaseIterable, Sendable {
    case linear, sigmoid, tanh, relu, softmax

    /// Applies the activation elementwise (softmax: over the last axis).
    public func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case .linear: return x
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .softmax: return try x.softmax(axis: -1)
        }
    }
}
