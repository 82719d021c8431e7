import CKernels

/// Index-based ops: gather (embedding lookup) with a scatter-add backward, and one-hot.
extension Tensor {
    /// Picks slices of `self` along `axis` at integer `indices` (stored as Float).
    ///
    /// Shapes: `self [a₀…, n, b…]`, `indices [i…]` → `[a₀…, i…, b…]`. For an embedding table
    /// `[vocab, dim]` and token ids `[batch, time]` this gives `[batch, time, dim]`.
    /// ∂self: scatter-add of the output gradient into the picked rows; indices get no gradient.
    public func gather(indices: Tensor, axis: Int = 0) throws -> Tensor {
        let ax = try normalizedAxis(axis, op: "gather")
        let (outer, n, inner) = axisGeometry(ax)
        let idx = try indices.withUnsafeBufferPointer { ip -> [Int] in
            try ip.enumerated().map { pos, v in
                guard v.rounded() == v, v >= 0, Int(v) < n else {
                    throw TensorError.invalidArgument(
                        op: "gather", message: "index \(v) at flat position \(pos) is not an integer in 0..<\(n)")
                }
                return Int(v)
            }
        }
        let outShape = Array(shape[..<ax]) + indices.shape + Array(shape[(ax + 1)...])
        let m = idx.count
        var out = Tensor(shape: outShape) { dst, _ in
            withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for (j, r) in idx.enumerated() {
                        (dst + (o * m + j) * inner).update(from: src.baseAddress! + (o * n + r) * inner, count: inner)
                    }
                }
            }
        }
        let inShape = shape
        Tensor.record("gather", output: &out, inputs: [self]) { g in
            [
                Tensor(shape: inShape) { dst, total in
                    dst.initialize(repeating: 0, count: total)
                    g.withUnsafeBufferPointer { gp in
                        for o in 0..<outer {
                            Tensor.scatterAddRows(
                                gp.baseAddress! + o * m * inner, slots: idx, into: dst + o * n * inner, width: inner)
                        }
                    }
                }
            ]
        }
        return out
    }

    /// `dst[slots[r]] += src[r]` for rows of `width` floats (`src` has `slots.count` rows), rows
    /// added in order (`unroll_add_rows`), split by 16-column blocks over the pool when large —
    /// the same bits for any thread count. The backward of `gather` (so the per-token sums of
    /// `lookupProjection`), and of a recurrent kernel reading projected rows in place.
    public static func scatterAddRows(
        _ src: UnsafePointer<Float>, slots: [Int], into dst: UnsafeMutablePointer<Float>, width n: Int
    ) {
        let pool = ComputePool.shared
        let parts = slots.count * n >= 1 << 16 ? Swift.min(pool.threadCount, Swift.max(1, n / 16)) : 1
        slots.withUnsafeBufferPointer { sp in
            pool.run(parts: parts) { p in
                let cols = ComputePool.range(part: p, of: parts, total: n, block: 16)
                unroll_add_rows(
                    sp.count, cols.count, src + cols.lowerBound, n, sp.baseAddress!, dst + cols.lowerBound, n)
            }
        }
    }

    /// `[rows, n]` zeros with row `slots[r]` of it plus row `r` of `src` (`src` read as
    /// `[slots.count, n]`, `n` its last axis), rows added in order (`scatterAddRows`); records
    /// nothing. The per-row gradient sums of anything that read rows by index.
    public static func scatteredRows(_ src: Tensor, slots: [Int], rows: Int) -> Tensor {
        let n = src.shape.last ?? 1
        return Tensor(shape: [rows, n]) { dst, total in
            dst.initialize(repeating: 0, count: total)
            src.withUnsafeBufferPointer { scatterAddRows($0.baseAddress!, slots: slots, into: dst, width: n) }
        }
    }

    /// Rows `indices` of the leading axis as a new tensor, recording nothing (mini-batches, splits).
    public func rows<C: Collection>(_ indices: C) throws -> Tensor where C.Element == Int {
        try withNoGrad { try gather(indices: Tensor(indices.map(Float.init)), axis: 0) }
    }

    /// One-hot encoding: `indices [i…]` (integers stored as Float) → `[i…, depth]`. No gradient.
    public static func oneHot(_ indices: Tensor, depth: Int) throws -> Tensor {
        guard depth > 0 else {
            throw TensorError.invalidArgument(op: "oneHot", message: "depth must be positive, got \(depth)")
        }
        return try Tensor(shape: indices.shape + [depth]) { dst, total in
            dst.initialize(repeating: 0, count: total)
            try indices.withUnsafeBufferPointer { ip in
                for (pos, v) in ip.enumerated() {
                    guard v.rounded() == v, v >= 0, Int(v) < depth else {
                        throw TensorError.invalidArgument(
                            op: "oneHot",
                            message: "index \(v) at flat position \(pos) is not an integer in 0..<\(depth)")
                    }
                    dst[pos * depth + Int(v)] = 1
                }
            }
        }
    }
}
