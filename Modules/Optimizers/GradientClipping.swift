import Tensors

/// Gradient clipping against exploding gradients.
///
/// - `value(c)`: each element into `[−c, c]`.
/// - `norm(c)`: each parameter's gradient `g ← g·min(1, c/‖g‖)`.
/// - `globalNorm(c)`: all gradients together, `g ← g·min(1, c/√(Σ‖g_i‖²))` — the direction is kept.
///
/// ```swift
/// var grads = [Tensor([3, 4])]                              // global norm 5
/// let r = GradientClipping.globalNorm(1).apply(&grads)     // grads [0.6, 0.8]; r.normBefore 5, r.clipped true
/// ```
public enum GradientClipping: Equatable, Sendable {
    case none
    case value(Float)
    case norm(Float)
    case globalNorm(Float)

    /// What clipping did to one step's gradients.
    public struct Report: Equatable {
        /// Global norm before and after.
        public var normBefore: Float, normAfter: Float
        /// Whether any gradient changed.
        public var clipped: Bool
    }

    /// The global L2 norm over all gradients.
    /// Sums in eight Double lanes (vectorised; a fixed order, so deterministic).
    public static func globalNorm(_ grads: [Tensor]) -> Float {
        var lanes = SIMD8<Double>()
        var s: Double = 0
        for g in grads {
            g.withUnsafeBufferPointer { p in
                var i = 0
                while i + 8 <= p.count {
                    let v = SIMD8<Double>(UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self))
                    lanes += v * v
                    i += 8
                }
                while i < p.count {
                    s += Double(p[i]) * Double(p[i])
                    i += 1
                }
            }
        }
        return Float((s + lanes.sum()).squareRoot())
    }

    /// Clips `grads` in place and reports the norms. Pass `globalNorm` when it is already known
    /// (the trainer computes it once per step; it doubles as the check for non-finite values).
    @discardableResult
    public func apply(_ grads: inout [Tensor], globalNorm known: Float? = nil) -> Report {
        let before = known ?? GradientClipping.globalNorm(grads)
        var clipped = false
        switch self {
        case .none: break
        case .value(let c):
            for i in grads.indices {
                let changed = grads[i].withUnsafeBufferPointer { $0.contains { abs($0) > c } }
                guard changed else { continue }
                clipped = true
                grads[i].withUnsafeMutableBufferPointer {
                    for j in 0..<$0.count { $0[j] = Swift.min(Swift.max($0[j], -c), c) }
                }
            }
        case .norm(let c):
            for i in grads.indices {
                let n = GradientClipping.globalNorm([grads[i]])
                if n > c {
                    clipped = true
                    let f = c / n
                    grads[i].withUnsafeMutableBufferPointer { for j in 0..<$0.count { $0[j] *= f } }
                }
            }
        case .globalNorm(let c):
            if before > c {
                clipped = true
                let f = c / before
                for i in grads.indices {
                    grads[i].withUnsafeMutableBufferPointer { for j in 0..<$0.count { $0[j] *= f } }
                }
            }
        }
        return Report(
            normBefore: before, normAfter: clipped ? GradientClipping.globalNorm(grads) : before, clipped: clipped)
    }
}
