/// Matrix products through `cblas_sgemm`.
///
/// Forward: `C = op(A) · op(B)` where `op(X)` is `X` or `Xᵀ`.
/// Backward (written per transpose case so no transposed copy is ever made):
///   - `C = A·B`:     `dA = dC·Bᵀ`,  `dB = Aᵀ·dC`
///   - `C = Aᵀ·B`:    `dA = B·dCᵀ`,  `dB = A·dC`
///   - `C = A·Bᵀ`:    `dA = dC·B`,   `dB = dCᵀ·A`
///   - `C = Aᵀ·Bᵀ`:   `dA = Bᵀ·dCᵀ`, `dB = dCᵀ·Aᵀ`
extension Tensor {
    /// Matrix product of two rank-2 tensors, `[m, k] · [k, n] → [m, n]` (after the transposes).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws
        -> Tensor
    {
        guard a.rank == 2 else {
            throw TensorError.rankMismatch(op: "matmul", expected: "a rank-2 left operand", shape: a.shape)
        }
        guard b.rank == 2 else {
            throw TensorError.rankMismatch(op: "matmul", expected: "a rank-2 right operand", shape: b.shape)
        }
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else {
            throw TensorError.shapeMismatch(
                op: "matmul", lhs: a.shape, rhs: b.shape,
                detail:
                    "do not multiply (inner sizes \(k) and \(k2), transposeA: \(transposeA), transposeB: \(transposeB))"
            )
        }
        var c = Tensor(shape: [m, n]) { cp, _ in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    BLAS.sgemm(
                        transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                        a: ap.baseAddress!, lda: a.shape[1], b: bp.baseAddress!, ldb: b.shape[1], c: cp, ldc: n)
                }
            }
        }
        let needA = a.requiresGrad
        let needB = b.requiresGrad
        record("matmul", output: &c, inputs: [a, b]) { g in
            let da: Tensor?
            let db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):
                da = needA ? try matmul(g, b, transposeB: true) : nil
                db = needB ? try matmul(a, g, transposeA: true) : nil
            case (true, false):
                da = needA ? try matmul(b, g, transposeB: true) : nil
                db = needB ? try matmul(a, g) : nil
            case (false, true):
                da = needA ? try matmul(g, b) : nil
                db = needB ? try matmul(g, a, transposeA: true) : nil
            case (true, true):
                da = needA ? try matmul(b, g, transposeA: true, transposeB: true) : nil
                db = needB ? try matmul(g, a, transposeA: true, transposeB: true) : nil
            }
            return [da, db]
        }
        return c
    }

    /// Batched matrix product of rank-3 tensors, `[batch, m, k] · [batch, k, n] → [batch, m, n]`,
    /// one `sgemm` per batch entry, with the same transpose flags (applied to the last two axes).
    /// Backward: `dA = g·Bᵀ`, `dB = Aᵀ·g` per entry (transposes accordingly); without `transposeA`,
    /// an entry's trailing all-zero rows of g (padded queries under a masked loss) are left out
    /// when they are at least a quarter of all rows (`trimmedBatchedGradients`).
    public static func batchedMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false)
        throws -> Tensor
    {
        guard a.rank == 3, b.rank == 3 else {
            throw TensorError.shapeMismatch(
                op: "batchedMatmul", lhs: a.shape, rhs: b.shape, detail: "must both be rank 3 [batch, rows, cols]")
        }
        guard a.shape[0] == b.shape[0] else {
            throw TensorError.shapeMismatch(
                op: "batchedMatmul", lhs: a.shape, rhs: b.shape, detail: "have different batch sizes")
        }
        let batch = a.shape[0]
        let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let (k2, n) = transposeB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
        guard k == k2 else {
            throw TensorError.shapeMismatch(
                op: "batchedMatmul", lhs: a.shape, rhs: b.shape, detail: "do not multiply (inner sizes \(k) and \(k2))")
        }
        var c = Tensor(shape: [batch, m, n]) { cp, _ in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let sa = a.shape[1] * a.shape[2]
                    let sb = b.shape[1] * b.shape[2]
                    forEachEntry(batch: batch, work: m * n * k) { i in
                        BLAS.sgemm(
                            transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                            a: ap.baseAddress! + i * sa, lda: a.shape[2], b: bp.baseAddress! + i * sb,
                            ldb: b.shape[2], c: cp + i * m * n, ldc: n)
                    }
                }
            }
        }
        let needA = a.requiresGrad
        let needB = b.requiresGrad
        record("batchedMatmul", output: &c, inputs: [a, b]) { g in
            if !transposeA, skipZeroGradientRows, let live = g.liveRowsPerEntry() {
                return trimmedBatchedGradients(a, b, g, live: live, transposeB: transposeB, need: (needA, needB))
            }
            let da: Tensor?
            let db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):
                da = needA ? try batchedMatmul(g, b, transposeB: true) : nil
                db = needB ? try batchedMatmul(a, g, transposeA: true) : nil
            case (true, false):
                da = needA ? try batchedMatmul(b, g, transposeB: true) : nil
                db = needB ? try batchedMatmul(a, g) : nil
            case (false, true):
                da = needA ? try batchedMatmul(g, b) : nil
                db = needB ? try batchedMatmul(g, a, transposeA: true) : nil
            case (true, true):
                da = needA ? try batchedMatmul(b, g, transposeA: true, transposeB: true) : nil
                db = needB ? try batchedMatmul(g, a, transposeA: true, transposeB: true) : nil
            }
            return [da, db]
        }
        return c
    }

    /// Affine map of the last axis: `[..., k] · [k, n] (+ bias [n]) → [..., n]`.
    ///
    /// One GEMM over all leading positions (how `Dense` acts per time step and how a recurrent
    /// layer projects every step's input at once). The bias is fused: the output rows start as
    /// copies of `bias` and the GEMM accumulates into them (β = 1), so no second pass is made.
    /// Backward: `dx = g·Wᵀ`, `dW = xᵀ·g` (leading axes flattened), `dbias = Σ_rows g`; when at
    /// least a quarter of g's rows are all zero (the masked steps of a masked loss), only the
    /// other rows are multiplied (`skipZeroGradientRows`): the same terms, summed in another order.
    public func matmulLastAxis(_ w: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard rank >= 1 else {
            throw TensorError.rankMismatch(op: "matmulLastAxis", expected: "rank ≥ 1", shape: shape)
        }
        guard w.rank == 2, w.shape[0] == shape[rank - 1] else {
            throw TensorError.shapeMismatch(
                op: "matmulLastAxis", lhs: shape, rhs: w.shape,
                detail: "do not multiply: the last axis must equal the matrix's rows")
        }
        let (k, n) = (w.shape[0], w.shape[1])
        if let bias, bias.shape != [n] {
            throw TensorError.shapeMismatch(
                op: "matmulLastAxis", lhs: w.shape, rhs: bias.shape, detail: "do not fit: the bias must be [\(n)]")
        }
        let rows = count / Swift.max(k, 1)
        var out = Tensor(shape: Array(shape.dropLast()) + [n]) { cp, total in
            withUnsafeBufferPointer { ap in
                w.withUnsafeBufferPointer { wp in
                    withOptionalBuffer(bias) { bp in
                        BLAS.sgemm(
                            transA: false, transB: false, m: rows, n: n, k: k, a: ap.baseAddress!, lda: k,
                            b: wp.baseAddress!, ldb: n, beta: bias == nil ? 0 : 1, c: cp, ldc: n,
                            rowBias: bp?.baseAddress)
                    }
                }
            }
        }
        let (x, wc) = (detached(), w.detached())
        let (needX, needW, needB) = (requiresGrad, w.requiresGrad, bias?.requiresGrad ?? false)
        Tensor.record("matmulLastAxis", output: &out, inputs: bias.map { [self, w, $0] } ?? [self, w]) { g in
            var g2 = try g.reshaped([rows, n])
            var x2 = try x.reshaped([rows, k])
            // Rows of g that are all zero (masked steps under a masked loss) add nothing to dW and
            // db and give zero rows of dx: multiply only the others.
            let live = Tensor.skipZeroGradientRows ? g2.liveRows(worthAtMost: 0.75) : nil
            if let live { (g2, x2) = (try g2.rows(live), try x2.rows(live)) }
            let used = g2.shape[0]
            var dx = needX ? try Tensor.matmul(g2, wc, transposeB: true) : nil
            if let live, let d = dx { dx = Tensor.scatteredRows(d, slots: live, rows: rows) }
            let dw = needW ? try Tensor.matmul(x2, g2, transposeA: true) : nil
            // Σ over rows as the product ones[1, rows] · g (AVX kernel) rather than a strided sum.
            let db = needB ? try Tensor.matmul(Tensor(shape: [1, used], repeating: 1), g2).reshaped([n]) : nil
            return bias == nil ? [try dx?.reshaped(x.shape), dw] : [try dx?.reshaped(x.shape), dw, db]
        }
        return out
    }
}
