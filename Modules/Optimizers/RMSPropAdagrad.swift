import Tensors

/// RMSProp (Hinton), Keras defaults (`ρ = 0.9`, `ε = 1e-7`):
/// `s ← ρ·s + (1 − ρ)·g²;  p ← p − lr·g / (√s + ε)`.
public final class RMSProp: Optimizer {
    public static let typeName = "rmsprop"
    public var learningRate: Float
    public var rho: Float, epsilon: Float
    public var weightDecay: Float
    public private(set) var iterations = 0
    private let slots = SlotStore()

    public init(learningRate: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.rho = rho; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int) {
        let (rho, eps, lr) = (rho, epsilon, learningRate)
        slots.with(name, "s", count: p.count) { s in
            for i in 0..<p.count {
                s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
            }
        }
    }

    public func finishStep() { iterations += 1 }
    public var state: [String: Tensor] { slots.tensors }
    public func restore(state: [String: Tensor], iterations: Int) throws { slots.restore(state); self.iterations = iterations }
}

/// Adagrad (Duchi et al.), Keras defaults (accumulator starts at 0.1, `ε = 1e-7`):
/// `a ← a + g²;  p ← p − lr·g / (√a + ε)`.
public final class Adagrad: Optimizer {
    public static let typeName = "adagrad"
    public var learningRate: Float
    public var initialAccumulator: Float, epsilon: Float
    public var weightDecay: Float
    public private(set) var iterations = 0
    private let slots = SlotStore()

    public init(learningRate: Float = 0.001, initialAccumulator: Float = 0.1, epsilon: Float = 1e-7, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.initialAccumulator = initialAccumulator; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int) {
        let (eps, lr) = (epsilon, learningRate)
        slots.with(name, "accumulator", count: p.count, initial: initialAccumulator) { a in
            for i in 0..<p.count {
                a[i] += g[i] * g[i]
                p[i] -= lr * g[i] / (a[i].squareRoot() + eps)
            }
        }
    }

    public func finishStep() { iterations += 1 }
    public var state: [String: Tensor] { slots.tensors }
    public func restore(state: [String: Tensor], iterations: Int) throws { slots.restore(state); self.iterations = iterations }
}
