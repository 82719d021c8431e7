/// Reverse-mode differentiation over the recorded tape.
///
/// ```swift
/// let w = Tensor.ones([3]).requiringGrad()
/// let loss = try (w * w).sum()
/// let (dw,) = try gradients(of: loss, wrt: [w])   // 2·w
/// ```
///
/// The loss must be a one-element tensor unless `seed` (the gradient of some scalar with
/// respect to `of`) is given. Tensors in `wrt` that the loss does not depend on get zeros.
public func gradients(of output: Tensor, wrt targets: [Tensor], seed: Tensor? = nil) throws -> [Tensor] {
    guard let root = output.gradEdge else {
        throw TensorError.autodiff(
            "the output does not depend on any tensor that requires a gradient (was it computed under withNoGrad, or from detached tensors?)"
        )
    }
    for (i, t) in targets.enumerated() where t.gradEdge == nil {
        throw TensorError.autodiff(
            "target \(i) of shape \(t.shape) does not require a gradient; call requiringGrad() on it before the forward pass"
        )
    }
    let seedGrad: Tensor
    if let seed {
        guard seed.shape == output.shape else {
            throw TensorError.shapeMismatch(
                op: "gradients(seed:)", lhs: seed.shape, rhs: output.shape,
                detail: "differ: the seed must have the output's shape")
        }
        seedGrad = seed.detached()
    } else {
        guard output.count == 1 else {
            throw TensorError.autodiff(
                "gradients(of:) needs a one-element output (got shape \(output.shape)); pass a seed for other outputs")
        }
        seedGrad = Tensor(shape: output.shape, repeating: 1)
    }

    // Topological order of the nodes reachable from the root (iterative DFS, post-order).
    var order: [GradNode] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(GradNode, Int)] = [(root.node, 0)]
    visited.insert(ObjectIdentifier(root.node))
    while let (node, next) = stack.popLast() {
        if next < node.inputs.count {
            stack.append((node, next + 1))
            if let e = node.inputs[next], visited.insert(ObjectIdentifier(e.node)).inserted {
                stack.append((e.node, 0))
            }
        } else {
            order.append(node)
        }
    }

    var grads: [ObjectIdentifier: [Tensor?]] = [:]
    grads[ObjectIdentifier(root.node)] = accumulate(nil, seedGrad, into: root, grads: [])
    let wanted = Set(targets.map { ObjectIdentifier($0.gradEdge!.node) })

    try withNoGrad {
        for node in order.reversed() {
            let id = ObjectIdentifier(node)
            guard let outGrads = grads[id], let backward = node.backward else { continue }
            let inGrads = try backward(outGrads)
            if !wanted.contains(id) { grads[id] = nil }  // free intermediate gradients early
            for (edge, g) in zip(node.inputs, inGrads) {
                guard let edge, let g else { continue }
                guard g.shape == edge.node.outputShapes[edge.index] else {
                    throw TensorError.autodiff(
                        "backward of '\(node.op)' returned a gradient of shape \(g.shape) for an input of shape \(edge.node.outputShapes[edge.index])"
                    )
                }
                let key = ObjectIdentifier(edge.node)
                grads[key] = accumulate(grads[key], g, into: edge, grads: [])
            }
        }
    }

    return targets.map { t in
        let e = t.gradEdge!
        return grads[ObjectIdentifier(e.node)]?[e.index] ?? Tensor.zeros(t.shape)
    }
}

/// Adds `g` into slot `edge.index` of a node's gradient list.
private func accumulate(_ existing: [Tensor?]?, _ g: Tensor, into edge: GradEdge, grads: [Tensor?]) -> [Tensor?] {
    var list = existing ?? [Tensor?](repeating: nil, count: edge.node.outputShapes.count)
    if var old = list[edge.index] {
        list[edge.index] = nil  // drop the extra reference so the add can be in place
        old.addInPlace(g)
        list[edge.index] = old
    } else {
        list[edge.index] = g
    }
    return list
}

extension Tensor {
    /// `self += other` for equal shapes, in place when the storage is not shared. No tape.
    public mutating func addInPlace(_ other: Tensor) {
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count { dst[i] += src[i] }
            }
        }
    }
}
