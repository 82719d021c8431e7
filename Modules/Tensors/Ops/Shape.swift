/// Shape manipulation: reshape, permute/transpose, concat, split, stack, slice, reverse.
/// Reshape and leading-axis slices are views; the others copy once.
extension Tensor {
    /// Same elements, new shape (a view). One extent may be `-1` (inferred). ∂: reshape back.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        guard unknown.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", message: "bad target shape \(newShape)")
        }
        if let u = unknown.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape, detail: "are incompatible")
            }
            target[u] = count / known
        }
        guard Tensor.count(of: target) == count else {
            throw TensorError.shapeMismatch(
                op: "reshape", lhs: shape, rhs: newShape, detail: "hold different numbers of elements")
        }
        var out = Tensor(shape: target, storage: storage, offset: offset)
        let src = shape
        Tensor.record("reshape", output: &out, inputs: [self]) { g in [try g.reshaped(src)] }
        return out
    }

    /// Reorders the axes: output axis `i` is input axis `perm[i]`. ∂: permute by the inverse.
    public func permuted(_ perm: [Int]) throws -> Tensor {
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw TensorError.invalidArgument(
                op: "permute", message: "\(perm) is not a permutation of the axes of shape \(shape)")
        }
        let outShape = perm.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let permStrides = perm.map { inStrides[$0] }
        var out = Tensor(shape: outShape) { dst, _ in
            withUnsafeBufferPointer { src in
                let zero = [Int](repeating: 0, count: rank)
                Broadcast.forEach(outShape, permStrides, zero) { o, i, _ in dst[o] = src[i] }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        Tensor.record("permute", output: &out, inputs: [self]) { g in [try g.permuted(inverse)] }
        return out
    }

    /// Swaps the last two axes (matrix transpose for rank 2).
    public func transposed() throws -> Tensor {
        guard rank >= 2 else { throw TensorError.rankMismatch(op: "transpose", expected: "rank ≥ 2", shape: shape) }
        var p = Array(0..<rank)
        p.swapAt(rank - 1, rank - 2)
        return try permuted(p)
    }

    /// Joins tensors along `axis`; all other extents must agree. ∂: split the gradient back.
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else {
            throw TensorError.invalidArgument(op: "concat", message: "no tensors to join")
        }
        let ax = try first.normalizedAxis(axis, op: "concat")
        for p in parts.dropFirst() {
            var a = first.shape
            var b = p.shape
            guard a.count == b.count else {
                throw TensorError.shapeMismatch(
                    op: "concat", lhs: first.shape, rhs: p.shape, detail: "have different ranks")
            }
            a[ax] = 0
            b[ax] = 0
            guard a == b else {
                throw TensorError.shapeMismatch(
                    op: "concat", lhs: first.shape, rhs: p.shape, detail: "differ outside axis \(ax)")
            }
        }
        var outShape = first.shape
        outShape[ax] = parts.reduce(0) { $0 + $1.shape[ax] }
        let outer = Tensor.count(of: Array(first.shape[..<ax]))
        let inner = Tensor.count(of: Array(first.shape[(ax + 1)...]))
        let rowOut = outShape[ax] * inner
        var out = Tensor(shape: outShape) { dst, _ in
            var start = 0
            for p in parts {
                let w = p.shape[ax] * inner
                p.withUnsafeBufferPointer { src in
                    for o in 0..<outer { (dst + o * rowOut + start).update(from: src.baseAddress! + o * w, count: w) }
                }
                start += w
            }
        }
        let sizes = parts.map { $0.shape[ax] }
        record("concat", output: &out, inputs: parts) { g in try g.split(sizes: sizes, axis: ax).map { Optional($0) } }
        return out
    }

    /// Stacks equal-shaped tensors along a new axis `axis`.
    public static func stack(_ parts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = parts.first else {
            throw TensorError.invalidArgument(op: "stack", message: "no tensors to stack")
        }
        let ax = axis < 0 ? axis + first.rank + 1 : axis
        guard ax >= 0 && ax <= first.rank else {
            throw TensorError.invalidAxis(op: "stack", axis: axis, shape: first.shape)
        }
        var s = first.shape
        s.insert(1, at: ax)
        return try concat(
            parts.map { p in
                guard p.shape == first.shape else {
                    throw TensorError.shapeMismatch(op: "stack", lhs: first.shape, rhs: p.shape, detail: "differ")
                }
                return try p.reshaped(s)
            }, axis: ax)
    }

    /// Splits along `axis` into pieces of the given extents (which must add up to the axis).
    /// ∂: the pieces' gradients joined along `axis` (zeros for a piece that got none).
    public func split(sizes: [Int], axis: Int) throws -> [Tensor] {
        let ax = try normalizedAxis(axis, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[ax] else {
            throw TensorError.invalidArgument(
                op: "split", message: "sizes \(sizes) do not add up to extent \(shape[ax]) of axis \(ax) in \(shape)")
        }
        let parts = try withNoGrad {
            var start = 0
            return try sizes.map { n in
                defer { start += n }
                return try slice(axis: ax, start: start, length: n)
            }
        }
        // One op for all the parts: its backward joins their gradients in one pass (zeros for a
        // part that got none), instead of one input-sized gradient per part.
        return Tensor.recordFused("split", inputs: [self], outputs: parts) { grads in
            [
                try Tensor.concat(
                    zip(grads, parts).map { g, part in g ?? Tensor.zeros(part.shape) }, axis: ax)
            ]
        }
    }

    /// Elements `start ..< start+length` along `axis`. A view on axis 0; a copy otherwise.
    /// ∂: the gradient placed back into zeros of the input's shape.
    public func slice(axis: Int, start: Int, length: Int) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "slice")
        guard start >= 0, length >= 0, start + length <= shape[ax] else {
            throw TensorError.invalidArgument(
                op: "slice",
                message: "range \(start)..<\(start + length) is outside 0..<\(shape[ax]) on axis \(ax) of \(shape)")
        }
        let (outer, n, inner) = axisGeometry(ax)
        var outShape = shape
        outShape[ax] = length
        var out: Tensor
        if outer == 1 {
            out = Tensor(shape: outShape, storage: storage, offset: offset + start * inner)
        } else {
            out = Tensor(shape: outShape) { dst, _ in
                withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        (dst + o * length * inner).update(
                            from: src.baseAddress! + (o * n + start) * inner, count: length * inner)
                    }
                }
            }
        }
        let inShape = shape
        Tensor.record("slice", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: inShape) { dst, total in
                    dst.initialize(repeating: 0, count: total)
                    g.withUnsafeBufferPointer { gp in
                        for o in 0..<outer {
                            (dst + (o * n + start) * inner).update(
                                from: gp.baseAddress! + o * length * inner, count: length * inner)
                        }
                    }
                }
            ]
        }
        return out
    }

    /// Entry `i` of the leading axis (a view with one axis fewer).
    public func index(_ i: Int) throws -> Tensor {
        guard rank >= 1 else { throw TensorError.rankMismatch(op: "index", expected: "rank ≥ 1", shape: shape) }
        return try slice(axis: 0, start: i, length: 1).reshaped(Array(shape.dropFirst()))
    }

    /// Reverses the order of elements along `axis` (used for `go_backwards`). ∂: reverse back.
    public func reversed(axis: Int) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "reversed")
        let (outer, n, inner) = axisGeometry(ax)
        var out = Tensor(shape: shape) { dst, _ in
            withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for k in 0..<n {
                        (dst + (o * n + k) * inner).update(
                            from: src.baseAddress! + (o * n + n - 1 - k) * inner, count: inner)
                    }
                }
            }
        }
        Tensor.record("reversed", output: &out, inputs: [self]) { g in [try g.reversed(axis: ax)] }
        return out
    }
}
