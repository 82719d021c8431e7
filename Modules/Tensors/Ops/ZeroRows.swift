/// Rows of a gradient that are all zero: what lets a backward multiply only the steps a masked
/// loss kept (with `rows(_:)` to pick the others and `scatteredRows` to put results back).
///
/// Under a masked per-step loss, the gradient reaching the layers after the recurrent ones
/// (`Dense` per step) is zero on every padded step, and a product's zero rows contribute
/// nothing: `dW = xᵀ·g` sums `x[r]ᵀ·g[r]` over rows r, and `dx[r] = g[r]·Wᵀ` is zero where g[r] is.
/// `liveRows` records nothing on the tape; it is for use inside a backward.
extension Tensor {
    /// Lets the backward of `matmulLastAxis` multiply only the gradient's nonzero rows, and that of
    /// `batchedMatmul` only each entry's rows before its trailing zero rows (default on); off,
    /// they multiply them all — for benchmarks and tests comparing the two.
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
}
