/// Reductions over one axis or all elements.
///
/// A tensor of shape `[outer…, n, inner…]` reduced over the axis of extent `n` is processed as
/// `[outer, n, inner]`; `keepDims` keeps that axis with extent 1.
extension Tensor {
    /// Splits the shape around `axis` into (outer, n, inner) element counts.
    func axisGeometry(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (Tensor.count(of: Array(shape[..<axis])), shape[axis], Tensor.count(of: Array(shape[(axis + 1)...])))
    }

    func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Sum of all elements (shape `[]`). ∂/∂x = 1.
    public func sum() -> Tensor {
        var s: Float = 0
        withUnsafeBufferPointer { for v in $0 { s += v } }
        var out = Tensor(s)
        let shp = shape
        Tensor.record("sum", output: &out, inputs: [self]) { g in [Tensor(shape: shp, repeating: g.scalar!)] }
        return out
    }

    /// Mean of all elements (shape `[]`). ∂/∂x = 1/n.
    public func mean() -> Tensor { sum().scaled(by: 1 / Float(Swift.max(count, 1))) }

    /// Sum over `axis`. ∂/∂x = the output gradient broadcast back along `axis`.
    public func sum(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "sum(axis:)")
        let (outer, n, inner) = axisGeometry(ax)
        var out = Tensor(shape: reducedShape(ax, keepDims: keepDims)) { dst, _ in
            dst.initialize(repeating: 0, count: outer * inner)
            withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for k in 0..<n {
                        let row = src.baseAddress! + (o * n + k) * inner
                        let d = dst + o * inner
                        for i in 0..<inner { d[i] += row[i] }
                    }
                }
            }
        }
        let shp = shape
        Tensor.record("sum(axis:)", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: shp) { dst, _ in
                    g.withUnsafeBufferPointer { gp in
                        for o in 0..<outer {
                            for k in 0..<n {
                                let d = dst + (o * n + k) * inner
                                let s = gp.baseAddress! + o * inner
                                for i in 0..<inner { d[i] = s[i] }
                            }
                        }
                    }
                }
            ]
        }
        return out
    }

    /// Mean over `axis`. ∂/∂x = output gradient / n, broadcast along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "mean(axis:)")
        return try sum(axis: ax, keepDims: keepDims).scaled(by: 1 / Float(Swift.max(shape[ax], 1)))
    }

    /// Maximum over `axis`. ∂/∂x = the output gradient at the (first) arg-max position, 0 elsewhere.
    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "max(axis:)")
        guard shape[ax] > 0 else {
            throw TensorError.invalidArgument(op: "max(axis:)", message: "axis \(axis) is empty")
        }
        let (outer, n, inner) = axisGeometry(ax)
        var argmax = [Int](repeating: 0, count: outer * inner)
        var out = Tensor(shape: reducedShape(ax, keepDims: keepDims)) { dst, _ in
            withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = src[o * n * inner + i]
                        var bk = 0
                        for k in 1..<Swift.max(n, 1) {
                            let v = src[(o * n + k) * inner + i]
                            if v > best {
                                best = v
                                bk = k
                            }
                        }
                        dst[o * inner + i] = best
                        argmax[o * inner + i] = bk
                    }
                }
            }
        }
        let shp = shape
        Tensor.record("max(axis:)", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: shp) { dst, count in
                    dst.initialize(repeating: 0, count: count)
                    g.withUnsafeBufferPointer { gp in
                        for o in 0..<outer {
                            for i in 0..<inner { dst[(o * n + argmax[o * inner + i]) * inner + i] = gp[o * inner + i] }
                        }
                    }
                }
            ]
        }
        return out
    }

    /// Index of the largest element along `axis` (first one on ties), as Float indices. No gradient.
    public func argmax(axis: Int = -1) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "argmax")
        guard shape[ax] > 0 else { throw TensorError.invalidArgument(op: "argmax", message: "axis \(axis) is empty") }
        let (outer, n, inner) = axisGeometry(ax)
        return Tensor(shape: reducedShape(ax, keepDims: false)) { dst, _ in
            withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = src[o * n * inner + i]
                        var bk = 0
                        for k in 1..<n {
                            let v = src[(o * n + k) * inner + i]
                            if v > best {
                                best = v
                                bk = k
                            }
                        }
                        dst[o * inner + i] = Float(bk)
                    }
                }
            }
        }
    }
}
