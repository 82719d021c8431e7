import Tensors

/// Binary cross-entropy `−[y log p + (1 − y) log(1 − p)]`, averaged over the last axis.
///
/// From probabilities, `p` is clipped to `[ε, 1 − ε]` (ε = 1e-7, as Keras). From logits `z`
/// it uses the stable form `max(z, 0) − z·y + log(1 + e^(−|z|))`, whose derivative is `σ(z) − y`.
/// Targets: same shape as predictions, values in [0, 1].
///
/// ```swift
/// let bce = try BinaryCrossEntropy()(Tensor([0.8]).reshaped([1, 1]), Tensor([1]).reshaped([1, 1]))  // −ln 0.8 = 0.2231
/// let same = try BinaryCrossEntropy(fromLogits: true)(Tensor([1.3863]).reshaped([1, 1]), Tensor([1]).reshaped([1, 1]))
/// ```
public struct BinaryCrossEntropy: Loss {
    public static let typeName = "binary_crossentropy"
    public var fromLogits: Bool
    public var targets: LossTargets { .binary }
    public var takesLogits: Bool { fromLogits }
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
        try requireSameShape(p, y, Self.typeName)
        if fromLogits {
            // max(z,0) − z·y + log(1 + e^{−|z|})  written as relu(z) − z·y + log(1 + exp(−|z|))
            let absZ = try p.relu() + (-p).relu()
            let l = try p.relu() - p * y + absZ.scaled(by: -1).exp().shifted(by: 1).log()
            return try l.mean(axis: -1)
        }
        let pc = try p.clamped(to: 1e-7, 1 - 1e-7)
        let one = Tensor(1)
        let l = try -(y * pc.log() + (one - y) * (one - pc).log())
        return try l.mean(axis: -1)
    }
}

/// Categorical cross-entropy `−Σ_k y_k log p_k` over the class (last) axis, one-hot or soft targets.
///
/// From logits it uses the fused, stable `log_softmax` (derivative `softmax(z) − y` for
/// one-hot `y`); from probabilities, `p` is clipped to `[ε, 1]`.
///
/// Label smoothing `s` (PyTorch's `label_smoothing`, Keras's for this loss) trains against
/// `(1 − s)·y + s/K` over the K classes: `−(1 − s) Σ_k y_k log p_k − s · mean_k log p_k`, whose
/// derivative from logits is `softmax(z) − (1 − s)·y − s/K`.
///
/// ```swift
/// let y = try Tensor.oneHot(Tensor([2]), depth: 3)
/// let l = try CategoricalCrossEntropy(fromLogits: true)(Tensor([1, 2, 3]).reshaped([1, 3]), y)  // −ln 0.6652 = 0.4076
/// ```
public struct CategoricalCrossEntropy: Loss {
    public static let typeName = "categorical_crossentropy"
    public var fromLogits: Bool
    /// The share `s` of each target moved to a uniform spread over the classes, in [0, 1).
    public private(set) var labelSmoothing: Float = 0
    public var targets: LossTargets { .oneHot }
    public var takesLogits: Bool { fromLogits }
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }
    /// With label smoothing `s` in [0, 1); other values are an error naming `label_smoothing`.
    public init(fromLogits: Bool = false, labelSmoothing: Float) throws {
        self.fromLogits = fromLogits
        self.labelSmoothing = try checkedSmoothing(labelSmoothing)
    }

    public func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
        try requireSameShape(p, y, Self.typeName)
        let logp = fromLogits ? try p.logSoftmax(axis: -1) : try p.clamped(to: 1e-7, 1).log()
        return try smoothed(-(y * logp).sum(axis: -1), logp: logp, labelSmoothing)
    }
}

/// Sparse categorical cross-entropy: like `CategoricalCrossEntropy` with integer class targets
/// (and the same `labelSmoothing`); from logits it is one fused op
/// (`Tensor.sparseSoftmaxCrossEntropy`: no one-hot tensor).
///
/// Shapes: predictions `[batch, classes]` or per step `[batch, time, classes]`; targets
/// `[batch]` or `[batch, time]` holding class indices. Per-step losses honour a `[batch, time]` mask.
///
/// ```swift
/// // a character model's logits [batch, time, 65] against the next characters [batch, time]
/// let l = try SparseCategoricalCrossEntropy(fromLogits: true)(logits, nextChars, mask: mask)
/// ```
public struct SparseCategoricalCrossEntropy: Loss {
    public static let typeName = "sparse_categorical_crossentropy"
    public var fromLogits: Bool
    /// The share `s` of each target moved to a uniform spread over the classes, in [0, 1).
    public private(set) var labelSmoothing: Float = 0
    public var targets: LossTargets { .indices }
    public var takesLogits: Bool { fromLogits }
    /// From probabilities without smoothing, takes `−log p[target]` in one op
    /// (`Tensor.sparseNegativeLog`: same values and gradient) rather than through a one-hot
    /// tensor (default on; off for benchmarks and tests comparing the two).
    nonisolated(unsafe) public static var fuseNegativeLog = true
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }
    /// With label smoothing `s` in [0, 1); other values are an error naming `label_smoothing`.
    public init(fromLogits: Bool = false, labelSmoothing: Float) throws {
        self.fromLogits = fromLogits
        self.labelSmoothing = try checkedSmoothing(labelSmoothing)
    }

    public func perExample(_ p: Tensor, _ y: Tensor) throws -> Tensor {
        guard p.rank >= 1, Array(p.shape.dropLast()) == y.shape else {
            throw TensorError.shapeMismatch(
                op: Self.typeName, lhs: p.shape, rhs: y.shape,
                detail: "do not fit: targets must be the predictions' shape without the class axis")
        }
        if fromLogits {
            let nll = try p.sparseSoftmaxCrossEntropy(targets: y)  // fused: no one-hot, one pass
            return labelSmoothing == 0 ? nll : try smoothed(nll, logp: p.logSoftmax(axis: -1), labelSmoothing)
        }
        // −log p[target] in one op (no one-hot, one log per row); smoothing needs every log p.
        if labelSmoothing == 0 && Self.fuseNegativeLog { return try p.sparseNegativeLog(targets: y, low: 1e-7) }
        let onehot = try Tensor.oneHot(y, depth: p.shape[p.rank - 1])
        let logp = try p.clamped(to: 1e-7, 1).log()
        return try smoothed(-(onehot * logp).sum(axis: -1), logp: logp, labelSmoothing)
    }
}

/// `(1 − s)·nll − s · mean_k log p_k`: the cross-entropy against targets smoothed by `s`.
private func smoothed(_ nll: Tensor, logp: Tensor, _ s: Float) throws -> Tensor {
    guard s > 0 else { return nll }
    return try nll.scaled(by: 1 - s) - logp.mean(axis: -1).scaled(by: s)
}

/// `s` if it is in [0, 1), else an error naming the spec field.
private func checkedSmoothing(_ s: Float) throws -> Float {
    guard s >= 0 && s < 1 else {
        throw LayerError.config(layer: "loss", field: "label_smoothing", message: "must be in [0, 1), got \(s)")
    }
    return s
}
