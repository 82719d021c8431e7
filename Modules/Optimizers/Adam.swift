import CKernels
import Tensors

#if canImport(Glibc)
    import Glibc
#endif

/// Adam (Kingma & Ba) with optional AMSGrad; defaults as Keras (`ε = 1e-7`).
///
/// ```
/// m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
/// m̂ = m / (1 − β₁ᵗ)               v̂ = v / (1 − β₂ᵗ)        (AMSGrad: v̂ uses max over time of v)
/// p ← p − lr · m̂ / (√v̂ + ε)
/// ```
/// With `weightDecay` this is AdamW (decoupled decay applied before the step).
///
/// ```swift
/// let opt = Adam(learningRate: 0.001)
/// try opt.step([("w", w)], gradients: [Tensor([0.5, 1])])   // first step moves each weight by ≈ lr: [0.999, −2.001]
/// ```
public final class Adam: OptimizerState, Optimizer {
    public static let typeName = "adam"
    public var beta1: Float, beta2: Float, epsilon: Float
    public var amsgrad: Bool

    public init(
        learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
        amsgrad: Bool = false, weightDecay: Float = 0
    ) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(learningRate: learningRate, weightDecay: weightDecay)
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
    {
        let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
        let c1 = 1 - powf(b1, Float(t))
        let c2 = 1 - powf(b2, Float(t))
        slots.with(name, "m", count: p.count) { m in
            slots.with(name, "v", count: p.count) { v in
                if amsgrad {
                    slots.with(name, "vmax", count: p.count) { vmax in
                        for i in 0..<p.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            vmax[i] = max(vmax[i], v[i])
                            p[i] -= lr * (m[i] / c1) / ((vmax[i] / c2).squareRoot() + eps)
                        }
                    }
                } else {
                    let (mp, vp, pp, gp) = (m.baseAddress!, v.baseAddress!, p.baseAddress!, g.baseAddress!)
                    // `unroll_adam` (Modules/CKernels, one variant per instruction set) gives every
                    // element the same operations, so results do not depend on the split.
                    Elementwise.split(count: p.count) { r in
                        let i = r.lowerBound
                        unroll_adam(r.count, mp + i, vp + i, pp + i, gp + i, b1, b2, c1, c2, lr, eps)
                    }
                }
            }
        }
    }
}
