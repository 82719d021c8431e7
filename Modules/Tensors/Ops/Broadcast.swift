/// NumPy-style broadcasting: shapes are aligned at the right; an axis of extent 1 (or a missing
/// one) stretches to the other operand's extent.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or an error naming `op` and both shapes.
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        if a == b { return a }
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw TensorError.shapeMismatch(
                    op: op, lhs: a, rhs: b,
                    detail: "cannot be broadcast (axis \(i) from the left of the result: \(x) vs \(y))")
            }
            out[i] = max(x, y)
        }
        return out
    }

    /// Element strides of `shape` aligned to `outShape`, with 0 on broadcast axes.
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let r = outShape.count
        let pad = r - shape.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + pad] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// Whether `small` equals the trailing axes of `big` after dropping leading 1s of `small`.
    static func isSuffix(_ small: [Int], of big: [Int]) -> Bool {
        var s = small[...]
        while s.first == 1 && s.count > 0 { s = s.dropFirst() }
        return s.count <= big.count && Array(big.suffix(s.count)) == Array(s)
    }

    /// Calls `body(outIndex, aIndex, bIndex)` for each element of `outShape` in row-major order.
    @inline(__always)
    static func forEach(_ outShape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        guard let last = outShape.last else { return body(0, 0, 0) }  // a scalar
        let (la, lb) = (sa[sa.count - 1], sb[sb.count - 1])
        forEachRow(outShape, sa, sb) { o, ia, ib in for j in 0..<last { body(o + j, ia + j * la, ib + j * lb) } }
    }

    /// Calls `body(outIndex, aIndex, bIndex)` at the start of each row (last axis) of
    /// `outShape`, in row-major order; the caller steps along the row.
    @inline(__always)
    static func forEachRow(_ outShape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let r = outShape.count
        guard r > 0, let last = outShape.last, last > 0 else { return }
        let rows = outShape.dropLast().reduce(1, *)
        var idx = [Int](repeating: 0, count: r)
        var (ia, ib) = (0, 0)
        for row in 0..<rows {
            body(row * last, ia, ib)
            var ax = r - 2
            while ax >= 0 {
                idx[ax] += 1
                ia += sa[ax]
                ib += sb[ax]
                if idx[ax] < outShape[ax] { break }
                ia -= sa[ax] * outShape[ax]
                ib -= sb[ax] * outShape[ax]
                idx[ax] = 0
                ax -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums this tensor down to `target`, the inverse of broadcasting (used by every
    /// broadcasting op's backward). `target` must broadcast to `self.shape`.
    public func sumToShape(_ target: [Int]) throws -> Tensor {
        if target == shape { return self }
        let out = try Broadcast.shape(target, shape, op: "sumToShape")
        guard out == shape else {
            throw TensorError.shapeMismatch(
                op: "sumToShape", lhs: shape, rhs: target,
                detail: "cannot be reduced: the target does not broadcast to the source")
        }
        let tcount = Tensor.count(of: target)
        return Tensor(shape: target) { dst, _ in
            dst.initialize(repeating: 0, count: tcount)
            withUnsafeBufferPointer { src in
                if tcount == 1 {
                    var s: Float = 0
                    for v in src { s += v }
                    dst[0] = s
                } else if Broadcast.isSuffix(target, of: shape) {
                    let rows = src.count / tcount
                    for r in 0..<rows {
                        let row = src.baseAddress! + r * tcount
                        for j in 0..<tcount { dst[j] += row[j] }
                    }
                } else {
                    let st = Broadcast.strides(of: target, in: shape)
                    let zero = [Int](repeating: 0, count: shape.count)
                    Broadcast.forEach(shape, st, zero) { o, it, _ in dst[it] += src[o] }
                }
            }
        }
    }

    /// Applies `f` elementwise to two broadcast-compatible tensors (no tape).
    @inline(__always)
    static func broadcastMap(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape {
            return Tensor(shape: a.shape) { dst, n in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        for i in 0..<n { dst[i] = f(x[i], y[i]) }
                    }
                }
            }
        }
        let outShape = try Broadcast.shape(a.shape, b.shape, op: op)
        return Tensor(shape: outShape) { dst, n in
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    if b.count == 1 {
                        let s = y[0]
                        for i in 0..<n { dst[i] = f(x[i], s) }
                    } else if a.count == 1 {
                        let s = x[0]
                        for i in 0..<n { dst[i] = f(s, y[i]) }
                    } else if a.shape == outShape && Broadcast.isSuffix(b.shape, of: outShape) {
                        let inner = b.count
                        let yp = y.baseAddress!
                        for r in 0..<(n / inner) {
                            let xr = x.baseAddress! + r * inner
                            let dr = dst + r * inner
                            for j in 0..<inner { dr[j] = f(xr[j], yp[j]) }
                        }
                    } else if b.shape == outShape && Broadcast.isSuffix(a.shape, of: outShape) {
                        let inner = a.count
                        let xp = x.baseAddress!
                        for r in 0..<(n / inner) {
                            let yr = y.baseAddress! + r * inner
                            let dr = dst + r * inner
                            for j in 0..<inner { dr[j] = f(xp[j], yr[j]) }
                        }
                    } else {
                        let sa = Broadcast.strides(of: a.shape, in: outShape)
                        let sb = Broadcast.strides(of: b.shape, in: outShape)
                        if let last = outShape.last, sa.last == 1, sb.last == 1 {
                            // Neither side broadcasts the last axis (a dropout mask [batch, 1,
                            // features] on [batch, time, features]): whole rows through pointers.
                            let (xp, yp) = (x.baseAddress!, y.baseAddress!)
                            Broadcast.forEachRow(outShape, sa, sb) { o, ia, ib in
                                let (d, xr, yr) = (dst + o, xp + ia, yp + ib)
                                for j in 0..<last { d[j] = f(xr[j], yr[j]) }
                            }
                        } else {
                            Broadcast.forEach(outShape, sa, sb) { o, ia, ib in dst[o] = f(x[ia], y[ib]) }
                        }
                    }
                }
            }
        }
    }
}
