/// One recorded operation on the autodiff tape.
///
/// A node knows the tape edges of its inputs and a closure that maps the gradients of its
/// outputs to the gradients of its inputs (the vector–Jacobian product). A leaf node (a
/// parameter, or any tensor made with `requiringGrad()`) has no inputs and no closure.
/// Nodes form a DAG reachable from the loss; nothing global is kept, so a graph is freed as
/// soon as the last tensor referring to it goes away.
public final class GradNode {
    /// Name of the op that made the node (for diagnostics and error messages).
    public let op: String
    /// Edges of the inputs that need a gradient; `nil` for inputs that do not.
    let inputs: [GradEdge?]
    /// Output shapes, one per output.
    let outputShapes: [[Int]]
    /// Maps output gradients (nil where none arrived) to one gradient per input (nil = none).
    let backward: (([Tensor?]) throws -> [Tensor?])?

    init(op: String, inputs: [GradEdge?], outputShapes: [[Int]], backward: (([Tensor?]) throws -> [Tensor?])?) {
        self.op = op
        self.inputs = inputs
        self.outputShapes = outputShapes
        self.backward = backward
    }
}

/// Where a tensor's gradient goes: output `index` of `node`.
public struct GradEdge {
    public let node: GradNode
    public let index: Int
}

/// Whether ops record onto the tape. Inference runs under `withNoGrad`, which records nothing
/// (no nodes, no captured inputs), so memory stays flat across a forward pass.
public enum GradMode {
    @TaskLocal static var disabled = false

    /// Whether recording is on in the current task/thread.
    public static var isEnabled: Bool { !disabled }
}

/// Runs `body` with tape recording switched off (like `torch.no_grad()`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$disabled.withValue(true) { try body() }
}

extension Tensor {
    /// A copy of this tensor that is a leaf of the tape: gradients can be asked for it.
    public func requiringGrad() -> Tensor {
        var t = detached()
        t.gradEdge = GradEdge(node: GradNode(op: "leaf", inputs: [], outputShapes: [shape], backward: nil), index: 0)
        return t
    }

    /// Records a single-output op. `backward` receives the gradient of `output` and returns one
    /// gradient per input (return `nil` for inputs that do not `requiresGrad`).
    /// Does nothing in no-grad mode or when no input requires a gradient.
    ///
    /// Ops written in terms of other ops do not need this: their parts record themselves.
    public static func record(
        _ op: String, output: inout Tensor, inputs: [Tensor],
        backward: @escaping (Tensor) throws -> [Tensor?]
    ) {
        guard GradMode.isEnabled, inputs.contains(where: { $0.gradEdge != nil }) else { return }
        let node = GradNode(op: op, inputs: inputs.map(\.gradEdge), outputShapes: [output.shape]) { grads in
            guard let g = grads[0] else { return [Tensor?](repeating: nil, count: inputs.count) }
            return try backward(g)
        }
        output.gradEdge = GradEdge(node: node, index: 0)
    }

    /// Records a fused op with several outputs and a hand-written backward.
    ///
    /// This is how a recurrent layer's time loop takes part in autodiff: the kernel computes all
    /// `outputs` with raw pointers and BLAS, then registers `backward`, which receives one
    /// optional gradient per output (nil where the loss does not depend on it) and returns one
    /// optional gradient per input, shaped like that input. A fused op must be checked against
    /// finite differences (`GradientCheck`).
    ///
    /// ```swift
    /// var (y, state) = kernelForward(x, w)
    /// let out = Tensor.recordFused("myKernel", inputs: [x, w], outputs: [y, state]) { grads in
    ///     kernelBackward(grads[0], grads[1])   // -> [dx, dw]
    /// }
    /// ```
    public static func recordFused(
        _ op: String, inputs: [Tensor], outputs: [Tensor],
        backward: @escaping ([Tensor?]) throws -> [Tensor?]
    ) -> [Tensor] {
        guard GradMode.isEnabled, inputs.contains(where: { $0.gradEdge != nil }) else { return outputs }
        let node = GradNode(
            op: op, inputs: inputs.map(\.gradEdge), outputShapes: outputs.map(\.shape), backward: backward)
        return outputs.enumerated().map { i, t in
            var t = t
            t.gradEdge = GradEdge(node: node, index: i)
            return t
        }
    }
}
