import Tensors

/// RMSProp (Hinton), Keras defaults (`ρ = 0.9`, `ε = 1e-7`):
/// `s ← ρ·s + (1 − ρ)·g²;  p ← p − lr·g / (√s + ε)`.
///
/// ```swift
/// try RMSProp(learningRate: 0.001).step([("w", w)], gradients: [g])   // first step: lr/√(1 − ρ) = 0.00316 per weight
/// ```
public final class RMSProp: OptimizerState, Optimizer {
    public static let typeName = "rmsprop"
    public var rho: Float, epsilon: Float

    public init(learningRate: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7, weightDecay: Float = 0) {
        self.rho = rho
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay)
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
    {
        let (rho, eps, lr) = (rho, epsilon, learningRate)
        slots.with(name, "s", count: p.count) { s in
            for i in 0..<p.count {
                s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
            }
        }
    }

}

/// Adagrad (Duchi et al.), Keras defaults (accumulator starts at 0.1, `ε = 1e-7`):
/// `a ← a + g²;  p ← p − lr·g / (√a + ε)`.
///
/// ```swift
/// try Adagrad(learningRate: 0.001).step([("w", w)], gradients: [Tensor([0.5, 1])])   // w −= [0.000845, 0.000953]
/// ```
public final class Adagrad: OptimizerState, Optimizer {
    public static let typeName = "adagrad"
    public var initialAccumulator: Float, epsilon: Float

    public init(
        learningRate: Float = 0.001, initialAccumulator: Float = 0.1, epsilon: Float = 1e-7, weightDecay: Float = 0
    ) {
        self.initialAccumulator = initialAccumulator
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay)
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
    {
        let (eps, lr) = (epsilon, learningRate)
        slots.with(name, "accumulator", count: p.count, initial: initialAccumulator) { a in
            for i in 0..<p.count {
                a[i] += g[i] * g[i]
                p[i] -= lr * g[i] / (a[i].squareRoot() + eps)
            }
        }
    }

}
