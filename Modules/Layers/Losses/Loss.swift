import Tensors

/// A loss: predictions and targets in, a scalar out (mean over examples, or over unmasked time
/// steps for per-step outputs).
///
/// Shapes: predictions `[batch, …]`; targets as each loss states; `mask` (optional) is
/// `[batch]` or `[batch, time]` with 1 for steps that count and 0 for padding.
///
/// ```swift
/// let p = try Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.4, 0.6])   // softmax outputs
/// let loss = try SparseCategoricalCrossEntropy()(p, Tensor([0, 1]))   // −(ln 0.9 + ln 0.6)/2 = 0.3081
/// ```
public protocol Loss {
    /// Registry / spec name, e.g. `binary_crossentropy`.
    static var typeName: String { get }
    /// Loss per example (or per time step), shape = predictions' shape without the class axis.
    func perExample(_ predictions: Tensor, _ targets: Tensor) throws -> Tensor
    /// The targets this loss reads (default `.oneHot`): how data is encoded for it, how its
    /// predictions are read as classes, and how wide the model's output must be.
    var targets: LossTargets { get }
    /// Whether predictions are logits rather than probabilities (default false).
    var takesLogits: Bool { get }
}

/// The targets a loss reads, which a plugin loss declares so it is encoded and scored like a
/// built-in one.
public enum LossTargets: String, Sendable {
    /// One 0/1 value per example (`[batch, 1]`); the model outputs one probability or logit.
    case binary
    /// Class indices (`[batch]` or `[batch, time]`); the model outputs one score per class.
    case indices
    /// One-hot (or soft) rows over the classes on the last axis, like the predictions.
    case oneHot
    /// Numbers of the predictions' shape: a regression's values, or — for a classification task —
    /// one-hot rows (squared-error losses read either).
    case values
}

extension Loss {
    public var targets: LossTargets { .oneHot }
    public var takesLogits: Bool { false }

    /// Mean of `perExample` over everything the mask keeps.
    public func callAsFunction(_ predictions: Tensor, _ targets: Tensor, mask: Tensor? = nil) throws -> Tensor {
        let l = try perExample(predictions, targets)
        guard let mask else { return l.mean() }
        guard mask.shape == l.shape else {
            throw TensorError.shapeMismatch(
                op: "\(Self.typeName) mask", lhs: mask.shape, rhs: l.shape,
                detail: "differ: the mask must match the per-step loss shape")
        }
        let kept = mask.sum().scalar ?? 0
        return try (l * mask).sum().scaled(by: 1 / Swift.max(kept, 1))
    }
}

/// Checks that predictions and targets have the same shape.
func requireSameShape(_ p: Tensor, _ y: Tensor, _ op: String) throws {
    guard p.shape == y.shape else {
        throw TensorError.shapeMismatch(
            op: op, lhs: p.shape, rhs: y.shape, detail: "differ: predictions and targets must have the same shape")
    }
}
