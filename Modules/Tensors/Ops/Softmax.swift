#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Numerically stable softmax and log-softmax along one axis (the maximum is subtracted first).
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
                    for k in 0..<n { let e = expf(src[base + k * inner] - m); dst[base + k * inner] = e; s += e }
                    let inv = 1 / s
                    for k in 0..<n { dst[base + k * inner] *= inv }
                }
            }
        }
        let yc = y.detached()
        Tensor.record("softmax", output: &y, inputs: [self]) { g in
            [Tensor(shape: yc.shape) { dst, _ in
                g.withUnsafeBufferPointer { gp in yc.withUnsafeBufferPointer { yp in
                    Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                        var dot: Float = 0
                        for k in 0..<n { dot += gp[base + k * inner] * yp[base + k * inner] }
                        for k in 0..<n { let i = base + k * inner; dst[i] = yp[i] * (gp[i] - dot) }
                    }
                } }
            }]
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
            [Tensor(shape: yc.shape) { dst, _ in
                g.withUnsafeBufferPointer { gp in yc.withUnsafeBufferPointer { yp in
                    Tensor.forEachLine(outer: outer, n: n, inner: inner) { base in
                        var s: Float = 0
                        for k in 0..<n { s += gp[base + k * inner] }
                        for k in 0..<n { let i = base + k * inner; dst[i] = gp[i] - expf(yp[i]) * s }
                    }
                } }
            }]
        }
        return y
    }

    /// Calls `body(firstElementIndex)` for every line along an axis of geometry (outer, n, inner).
    @inline(__always)
    static func forEachLine(outer: Int, n: Int, inner: Int, _ body: (Int) -> Void) {
        for o in 0..<outer { for i in 0..<inner { body(o * n * inner + i) } }
    }
}
