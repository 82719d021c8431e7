import CKernels

#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

/// Numerically stable softmax and log-softmax along one axis (the maximum is subtracted first),
/// and the fused sparse softmax cross-entropy of integer targets.
extension Tensor {
    /// `softmax(x)_k = e^(x_k − m) / Σ_j e^(x_j − m)` with `m = max_j x_j`.
    /// Derivative (vector–Jacobian product): `dx = y ⊙ (g − Σ_k g_k y_k)`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "softmax")
        let (outer, n, inner) = axisGeometry(ax)
        var y = Tensor(shape: shape) { dst, _ in
            withUnsafeBufferPointer { src in
                Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, src[base + k * inner]) }
                    var s: Float = 0
                    for k in 0..<n {
                        let e = expf(src[base + k * inner] - m)
                        dst[base + k * inner] = e
                        s += e
                    }
                    let inv = 1 / s
                    for k in 0..<n { dst[base + k * inner] *= inv }
                }
            }
        }
        let yc = y.detached()
        Tensor.record("softmax", output: &y, inputs: [self]) { g in
            [
                Tensor(shape: yc.shape) { dst, _ in
                    g.withUnsafeBufferPointer { gp in
                        yc.withUnsafeBufferPointer { yp in
                            Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                                var dot: Float = 0
                                for k in 0..<n { dot += gp[base + k * inner] * yp[base + k * inner] }
                                for k in 0..<n {
                                    let i = base + k * inner
                                    dst[i] = yp[i] * (gp[i] - dot)
                                }
                            }
                        }
                    }
                }
            ]
        }
        return y
    }

    /// `logsoftmax(x)_k = x_k − m − log Σ_j e^(x_j − m)`.
    /// Derivative: `dx = g − softmax(x) · Σ_k g_k`.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "logSoftmax")
        let (outer, n, inner) = axisGeometry(ax)
        var y = Tensor(shape: shape) { dst, _ in
            withUnsafeBufferPointer { src in
                if inner == 1 {  // the class axis last: contiguous lines, exp in the vector kernel
                    for o in 0..<outer {
                        let lse = Tensor.logSumExp(src.baseAddress! + o * n, n: n, scratch: dst + o * n)
                        for k in 0..<n { dst[o * n + k] = src[o * n + k] - lse }
                    }
                    return
                }
                Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, src[base + k * inner]) }
                    var s: Float = 0
                    for k in 0..<n { s += expf(src[base + k * inner] - m) }
                    let lse = m + logf(s)
                    for k in 0..<n { dst[base + k * inner] = src[base + k * inner] - lse }
                }
            }
        }
        let yc = y.detached()
        Tensor.record("logSoftmax", output: &y, inputs: [self]) { g in
            [
                Tensor(shape: yc.shape) { dst, _ in
                    g.withUnsafeBufferPointer { gp in
                        yc.withUnsafeBufferPointer { yp in
                            if inner == 1 {
                                for o in 0..<outer {
                                    let (d, gl) = (dst + o * n, gp.baseAddress! + o * n)
                                    var s: Float = 0
                                    for k in 0..<n { s += gl[k] }
                                    d.update(from: yp.baseAddress! + o * n, count: n)
                                    FastMath.exp(d, count: n)  // softmax = e^logsoftmax
                                    for k in 0..<n { d[k] = gl[k] - d[k] * s }
                                }
                                return
                            }
                            Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                                var s: Float = 0
                                for k in 0..<n { s += gp[base + k * inner] }
                                for k in 0..<n {
                                    let i = base + k * inner
                                    dst[i] = gp[i] - expf(yp[i]) * s
                                }
                            }
                        }
                    }
                }
            ]
        }
        return y
    }

    /// `m + log Σ_k e^(x_k − m)` (m = max) of one contiguous line; `scratch` (n floats) is overwritten
    /// with `e^(x_k − m)`.
    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, n: Int, scratch: UnsafeMutablePointer<Float>) -> Float {
        var m = -Float.infinity
        for k in 0..<n { m = Swift.max(m, x[k]) }
        for k in 0..<n { scratch[k] = x[k] - m }
        FastMath.exp(scratch, count: n)
        var s: Float = 0
        for k in 0..<n { s += scratch[k] }
        return m + logf(s)
    }

    /// Sparse softmax cross-entropy from logits, fused: `self [..., classes]` logits, `targets [...]`
    /// class indices (integers stored as Float) → `[...]` losses `log Σ_j e^(x_j) − x_target`
    /// (computed stably, max subtracted). No one-hot tensor is built.
    /// Derivative: `dx = g · (softmax(x) − onehot(target))`; targets get no gradient.
    ///
    /// ```swift
    /// let loss = try logits.sparseSoftmaxCrossEntropy(targets: Tensor([2, 0]))   // [2] for logits [2, 3]
    /// ```
    public func sparseSoftmaxCrossEntropy(targets: Tensor) throws -> Tensor {
        guard rank >= 1, Array(shape.dropLast()) == targets.shape else {
            throw TensorError.shapeMismatch(
                op: "sparseSoftmaxCrossEntropy", lhs: shape, rhs: targets.shape,
                detail: "do not fit: targets must be the logits' shape without the class axis")
        }
        let n = shape[rank - 1]
        let rows = targets.count
        let t = try Tensor.classIndices(targets, classes: n, op: "sparseSoftmaxCrossEntropy")
        // Per row: m = max, e^(x − m), loss = log Σ e^(x − m) − (x[t] − m); softmax kept for the backward.
        var soft = [Float](repeating: 0, count: rows * n)
        var out = Tensor(shape: targets.shape) { dst, _ in
            guard rows > 0 else { return }
            withUnsafeBufferPointer { src in
                soft.withUnsafeMutableBufferPointer { sp in
                    t.withUnsafeBufferPointer { tp in
                        unroll_softmax_xent_rows(rows, n, src.baseAddress!, tp.baseAddress!, sp.baseAddress!, dst)
                    }
                }
            }
        }
        let inShape = shape
        Tensor.record("sparseSoftmaxCrossEntropy", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: inShape) { dst, _ in
                    soft.withUnsafeBufferPointer { sp in
                        g.withUnsafeBufferPointer { gp in
                            t.withUnsafeBufferPointer { tp in
                                for r in 0..<rows {
                                    let (d, p, gr) = (dst + r * n, sp.baseAddress! + r * n, gp[r])
                                    for k in 0..<n { d[k] = p[k] * gr }
                                    d[tp[r]] -= gr
                                }
                            }
                        }
                    }
                }
            ]
        }
        return out
    }

    /// `targets`' values as class indices in `0..<classes`, or an error naming `op`, the value and
    /// its flat position.
    static func classIndices(_ targets: Tensor, classes n: Int, op: String) throws -> [Int] {
        try targets.withUnsafeBufferPointer { tp -> [Int] in
            try tp.enumerated().map { pos, v in
                guard v.rounded() == v, v >= 0, Int(v) < n else {
                    throw TensorError.invalidArgument(
                        op: op, message: "target \(v) at flat position \(pos) is not a class index in 0..<\(n)")
                }
                return Int(v)
            }
        }
    }

    /// Calls `body(firstElementIndex)` for every line along an axis of geometry (outer, n, inner).
    @inline(__always)
    static func forEachLine(outer: Int, n: Int, inner: Int, _ body: (Int) -> Void) {
        for o in 0..<outer { for i in 0..<inner { body(o * n * inner + i) } }
    }
}
