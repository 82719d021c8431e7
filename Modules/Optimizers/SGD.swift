import Tensors

/// Stochastic gradient descent with optional momentum and Nesterov momentum (PyTorch's form).
///
/// ```
/// plain:     p ← p − lr·g
/// momentum:  v ← μ·v + g;   p ← p − lr·v
/// Nesterov:  v ← μ·v + g;   p ← p − lr·(g + μ·v)
/// ```
///
/// ```swift
/// let w = Parameter()
/// try w.assign(Tensor([1, -2]))
/// try SGD(learningRate: 0.1).step([("w", w)], gradients: [Tensor([0.5, 1])])   // w = [0.95, −2.1]
/// ```
public final class SGD: OptimizerState, Optimizer {
    public static let typeName = "sgd"
    public var momentum: Float
    public var nesterov: Bool

    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(learningRate: learningRate, weightDecay: weightDecay)
    }

    public func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
    {
        let lr = learningRate
        let mu = momentum
        if mu == 0 {
            for i in 0..<p.count { p[i] -= lr * g[i] }
            return
        }
        slots.with(name, "momentum", count: p.count) { v in
            for i in 0..<p.count {
                v[i] = mu * v[i] + g[i]
                p[i] -= lr * (nesterov ? g[i] + mu * v[i] : v[i])
            }
        }
    }

}
