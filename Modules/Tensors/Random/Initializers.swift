import COpenBLAS

/// Random tensors and the standard weight initializers, all driven by an explicit `SeededGenerator`.
///
/// For a weight of shape `[fanIn, fanOut]` (Keras's kernel layout, rows = inputs):
/// - Glorot/Xavier uniform: `U(−l, l)`, `l = √(6 / (fanIn + fanOut))`
/// - He normal: `N(0, 2 / fanIn)`; He uniform: `U(−√(6/fanIn), √(6/fanIn))`
/// - orthogonal: rows or columns orthonormal (QR of a Gaussian matrix, signs fixed by `diag(R)`)
/// - PyTorch's RNN default: `U(−√k, √k)` with `k = 1 / hiddenSize`
extension Tensor {
    /// Uniform samples in `[low, high)`.
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout SeededGenerator)
        -> Tensor
    {
        Tensor(shape: shape) { p, n in for i in 0..<n { p[i] = low + (high - low) * rng.nextUnitFloat() } }
    }

    /// Normal samples with the given mean and standard deviation.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout SeededGenerator)
        -> Tensor
    {
        Tensor(shape: shape) { p, n in for i in 0..<n { p[i] = mean + std * rng.nextNormal() } }
    }

    /// Fan-in and fan-out of a weight: `[in, out]` for rank 2, `[…, in, out]` with receptive size folded in.
    static func fans(_ shape: [Int]) -> (Float, Float) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (Float(shape[0]), Float(shape[0]))
        default:
            let receptive = Float(shape.dropLast(2).reduce(1, *))
            return (Float(shape[shape.count - 2]) * receptive, Float(shape[shape.count - 1]) * receptive)
        }
    }

    /// Glorot (Xavier) uniform — Keras's default kernel initializer.
    public static func glorotUniform(_ shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        let limit = (6 / Swift.max(fi + fo, 1)).squareRoot()
        return randomUniform(shape, low: -limit, high: limit, using: &rng)
    }

    /// He (Kaiming) normal, for ReLU layers.
    public static func heNormal(_ shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let (fi, _) = fans(shape)
        return randomNormal(shape, std: (2 / Swift.max(fi, 1)).squareRoot(), using: &rng)
    }

    /// He (Kaiming) uniform.
    public static func heUniform(_ shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let (fi, _) = fans(shape)
        let limit = (6 / Swift.max(fi, 1)).squareRoot()
        return randomUniform(shape, low: -limit, high: limit, using: &rng)
    }

    /// `U(−√k, √k)` — PyTorch's default for RNN weights with `k = 1 / hiddenSize`.
    public static func uniformSqrtK(_ shape: [Int], k: Float, using rng: inout SeededGenerator) -> Tensor {
        let l = k.squareRoot()
        return randomUniform(shape, low: -l, high: l, using: &rng)
    }

    /// Lets `orthogonal` use LAPACK's Householder QR (default on; it falls back to Gram–Schmidt
    /// when OpenBLAS has no LAPACK). Off, it always uses Gram–Schmidt — for benchmarks and tests.
    nonisolated(unsafe) public static var orthogonalByLAPACK = true

    /// An orthogonal matrix `[rows, cols]` scaled by `gain` — Keras's recurrent-kernel default.
    /// For rows ≤ cols the rows are orthonormal, otherwise the columns.
    public static func orthogonal(_ shape: [Int], gain: Float = 1, using rng: inout SeededGenerator) throws -> Tensor {
        guard shape.count == 2, shape[0] > 0, shape[1] > 0 else {
            throw TensorError.invalidArgument(op: "orthogonal", message: "needs a non-empty rank-2 shape, got \(shape)")
        }
        let (rows, cols) = (shape[0], shape[1])
        // Orthonormalise the columns of a tall Gaussian matrix [tall, short] in Double, then
        // transpose when the requested matrix is wide.
        let tall = Swift.max(rows, cols)
        let short = Swift.min(rows, cols)
        var q = [Double](repeating: 0, count: tall * short)  // column-major: column j at q[j*tall]
        for i in 0..<q.count { q[i] = Double(rng.nextNormal()) }
        let gaussian = q  // for the fallback if LAPACK fails midway
        BLAS.configureFromEnvironmentOnce()  // LAPACK calls BLAS: kernels and threads first
        let byLAPACK =
            orthogonalByLAPACK && tall <= Int(Int32.max)
            && q.withUnsafeMutableBufferPointer {
                unroll_orthonormal_columns(Int32(tall), Int32(short), $0.baseAddress!) == 1
            }
        if !byLAPACK {
            q = gaussian
            orthonormalizeColumns(&q, rows: tall, cols: short)
        }
        return Tensor(shape: shape) { p, _ in
            for r in 0..<rows {
                for c in 0..<cols {
                    // tall case (rows ≥ cols): element (r, c) is column c's entry r; wide: transposed.
                    p[r * cols + c] = gain * Float(rows >= cols ? q[c * tall + r] : q[r * tall + c])
                }
            }
        }
    }

    /// Modified Gram–Schmidt on the columns of column-major `q [rows, cols]` (`rows ≥ cols`): the
    /// same Q as Householder QR with `diag(R) ≥ 0`, one serial dot product at a time. The
    /// fallback for `orthogonal` when OpenBLAS has no LAPACK.
    static func orthonormalizeColumns(_ q: inout [Double], rows tall: Int, cols short: Int) {
        for j in 0..<short {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += q[p * tall + i] * q[j * tall + i] }
                for i in 0..<tall { q[j * tall + i] -= dot * q[p * tall + i] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += q[j * tall + i] * q[j * tall + i] }
            norm = norm.squareRoot()
            // Gram–Schmidt's R has a positive diagonal, so Q·sign(diag R) = Q: no sign fix needed.
            for i in 0..<tall { q[j * tall + i] /= Swift.max(norm, 1e-12) }
        }
    }
}
