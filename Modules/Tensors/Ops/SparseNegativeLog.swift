#if canImport(Glibc)
    import Glibc
#endif

/// Negative log of each row's target probability, clipped: the sparse cross-entropy from
/// probabilities in one op, without a one-hot tensor.
extension Tensor {
    /// `−log(clamp(p[…, target], low, 1))` per row: `self [..., classes]` probabilities, `targets [...]`
    /// class indices (integers stored as Float) → `[...]`.
    ///
    /// The same values, and the same gradient, as `−(oneHot(targets) · log(clamp(p, low, 1))).sum(-1)`
    /// written out of the generic ops, for a fraction of the work: one log per row rather than per
    /// class, and no `[..., classes]` temporaries.
    /// Derivative: `∂p[r, t_r] = −g_r / p[r, t_r]` where `low ≤ p[r, t_r] ≤ 1` (the clamp passes it),
    /// else 0; every other class gets 0; targets get none.
    ///
    /// ```swift
    /// let p = Tensor([0.2, 0.8, 0.5, 0.5]).reshaped([2, 2])
    /// let nll = try p.sparseNegativeLog(targets: Tensor([1, 0]), low: 1e-7)   // [−ln 0.8, −ln 0.5]
    /// ```
    public func sparseNegativeLog(targets: Tensor, low: Float) throws -> Tensor {
        guard rank >= 1, Array(shape.dropLast()) == targets.shape else {
            throw TensorError.shapeMismatch(
                op: "sparseNegativeLog", lhs: shape, rhs: targets.shape,
                detail: "do not fit: targets must be the probabilities' shape without the class axis")
        }
        let n = shape[rank - 1]
        let t = try Tensor.classIndices(targets, classes: n, op: "sparseNegativeLog")
        // p[r, t_r] per row, kept for the backward.
        let picked = withUnsafeBufferPointer { p in t.enumerated().map { r, k in p[r * n + k] } }
        var out = Tensor(shape: targets.shape) { dst, _ in
            for (r, p) in picked.enumerated() { dst[r] = -Glibc.logf(Swift.min(Swift.max(p, low), 1)) }
        }
        let inShape = shape
        Tensor.record("sparseNegativeLog", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: inShape) { dst, total in
                    dst.initialize(repeating: 0, count: total)
                    g.withUnsafeBufferPointer { gp in
                        for (r, p) in picked.enumerated() where p >= low && p <= 1 {
                            dst[r * n + t[r]] = -gp[r] / p
                        }
                    }
                }
            ]
        }
        return out
    }
}
