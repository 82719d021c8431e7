/// Rows of a gradient that are all zero, and copies that leave them out: what lets a backward
/// multiply only the steps a masked loss kept.
///
/// Under a masked per-step loss, the gradient reaching the layers after the recurrent ones
/// (`Dense` per step) is zero on every padded step, and a product's zero rows contribute
/// nothing: `dW = xᵀ·g` sums `x[r]ᵀ·g[r]` over rows r, and `dx[r] = g[r]·Wᵀ` is zero where g[r] is.
/// These helpers record nothing on the tape; they are for use inside a backward.
extension Tensor {
    /// Lets `matmulLastAxis`'s backward multiply only the gradient's nonzero rows (default on);
    /// off, it multiplies them all — for benchmarks and tests comparing the two.
    nonisolated(unsafe) public static var skipZeroGradientRows = true

    /// The rows (of `self` seen as `[rows, n]`, n = last axis) with a nonzero (or NaN) element,
    /// ascending; nil when there are none, or when more than `fraction` of the rows are live (then
    /// copying them out would cost about what it saves).
    ///
    /// ```swift
    /// let g = try Tensor(shape: [3, 2], scalars: [0, 0, 1, 0, 0, 0])
    /// g.liveRows(worthAtMost: 0.75)   // [1]
    /// ```
    public func liveRows(worthAtMost fraction: Double) -> [Int]? {
        guard rank >= 1 else { return nil }
        let n = shape[rank - 1]
        guard n > 0 else { return nil }
        let rows = count / n
        let limit = Int(Double(rows) * fraction)
        var live: [Int] = []
        let over = withUnsafeBufferPointer { p -> Bool in
            for r in 0..<rows {
                let row = p.baseAddress! + r * n
                var k = 0
                while k < n && row[k] == 0 { k += 1 }
                if k < n {
                    live.append(r)
                    if live.count > limit { return true }
                }
            }
            return false
        }
        return over || live.isEmpty ? nil : live
    }

    /// The listed rows of `self` (seen as `[rows, n]`), in order: `[picked.count, n]`.
    public func pickRows(_ picked: [Int]) -> Tensor {
        let n = rank >= 1 ? shape[rank - 1] : 1
        return Tensor(shape: [picked.count, n]) { dst, _ in
            withUnsafeBufferPointer { src in
                for (i, r) in picked.enumerated() { (dst + i * n).update(from: src.baseAddress! + r * n, count: n) }
            }
        }
    }

    /// `[rows, n]` zeros with `self`'s rows (`[placed.count, n]`) written at rows `placed`: the
    /// inverse of `pickRows`.
    public func spreadRows(_ placed: [Int], into rows: Int) -> Tensor {
        let n = rank >= 1 ? shape[rank - 1] : 1
        return Tensor(shape: [rows, n]) { dst, total in
            dst.initialize(repeating: 0, count: total)
            withUnsafeBufferPointer { src in
                for (i, r) in placed.enumerated() { (dst + r * n).update(from: src.baseAddress! + i * n, count: n) }
            }
        }
    }
}
