/// The backward of `Tensor.batchedMatmul` (without `transposeA`) when the output gradient's
/// entries end in all-zero rows: the padded query steps of attention under a masked loss.
///
/// For `C = A·op(B)` per entry, with `A [m, k]` and `g = ∂C [m, n]` zero after its first `L` rows:
/// - `∂A = g·op(B)ᵀ` is zero after row `L`, so only its first `L` rows are multiplied;
/// - `∂B` sums `A[r]ᵀ·g[r]` over the rows r (as `Aᵀ·g`, or `gᵀ·A` with `transposeB`), so only the
///   first `L` rows of A and g take part.
/// The same terms as the full products, summed in another order where `L` changes a GEMM's path.
extension Tensor {
    /// Per entry of a `[batch, m, n]` tensor, the number of rows up to its last row with a nonzero
    /// (or NaN) element; nil when these cover more than three quarters of all rows (or the tensor
    /// is empty).
    ///
    /// ```swift
    /// let g = try Tensor(shape: [2, 3, 1], scalars: [1, 0, 0, 1, 1, 0])
    /// g.liveRowsPerEntry()   // [1, 2]
    /// ```
    public func liveRowsPerEntry() -> [Int]? {
        guard rank == 3, shape[0] > 0, shape[1] > 0, shape[2] > 0 else { return nil }
        let (batch, m, n) = (shape[0], shape[1], shape[2])
        var live = [Int](repeating: 0, count: batch)
        withUnsafeBufferPointer { p in
            for e in 0..<batch {
                var rows = m
                rowScan: while rows > 0 {
                    let row = p.baseAddress! + (e * m + rows - 1) * n
                    for j in 0..<n where row[j] != 0 || row[j].isNaN { break rowScan }
                    rows -= 1
                }
                live[e] = rows
            }
        }
        return live.reduce(0, +) * 4 <= batch * m * 3 ? live : nil
    }

    /// Runs `body(e)` for every entry `e` of a batched product whose entries take `work`
    /// multiply-adds each. Entries too small for `BLAS.sgemm` to split (attention's
    /// `[Tq, H]·[H, Tv]` per example) are shared out whole among the threads when together they
    /// make a quarter of `BLAS.parallelWork` (`BLAS.splitBatches`); each entry is computed the same
    /// way on whichever thread gets it, so the bits do not depend on the split.
    static func forEachEntry(batch: Int, work: Int, _ body: (Int) -> Void) {
        let pool = ComputePool.shared
        let shared = BLAS.splitBatches && work < BLAS.parallelWork && batch * work >= BLAS.parallelWork / 4
        let parts = shared ? min(pool.threadCount, batch) : 1
        pool.run(parts: parts) { p in
            for e in ComputePool.range(part: p, of: parts, total: batch) { body(e) }
        }
    }

    /// `[∂A, ∂B]` of `batchedMatmul(a, b, transposeB:)` from `g`, multiplying only each entry's
    /// first `live[e]` rows (`need` says which of the two are wanted).
    static func trimmedBatchedGradients(
        _ a: Tensor, _ b: Tensor, _ g: Tensor, live: [Int], transposeB: Bool, need: (a: Bool, b: Bool)
    ) -> [Tensor?] {
        let (batch, m, k, n) = (a.shape[0], a.shape[1], a.shape[2], g.shape[2])
        let (sa, sb, sg) = (m * k, b.shape[1] * b.shape[2], m * n)
        func perEntry(_ shape: [Int], _ body: (Int, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
            Tensor(shape: shape) { dst, total in
                dst.initialize(repeating: 0, count: total)
                let size = total / batch
                forEachEntry(batch: batch, work: m * n * k) { e in if live[e] > 0 { body(e, dst + e * size) } }
            }
        }
        return a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                g.withUnsafeBufferPointer { gp in
                    let (ab, bb, gb) = (ap.baseAddress!, bp.baseAddress!, gp.baseAddress!)
                    // ∂A [m, k]: g·Bᵀ (B [k, n]) or g·B (B [n, k]); rows after live[e] stay zero.
                    let da =
                        need.a
                        ? perEntry(a.shape) { e, out in
                            BLAS.sgemm(
                                transA: false, transB: !transposeB, m: live[e], n: k, k: n, a: gb + e * sg, lda: n,
                                b: bb + e * sb, ldb: transposeB ? k : n, c: out, ldc: k)
                        } : nil
                    // ∂B: Aᵀ·g [k, n], or gᵀ·A [n, k], over the first live[e] rows.
                    let db =
                        need.b
                        ? perEntry(b.shape) { e, out in
                            if transposeB {
                                BLAS.sgemm(
                                    transA: true, transB: false, m: n, n: k, k: live[e], a: gb + e * sg, lda: n,
                                    b: ab + e * sa, ldb: k, c: out, ldc: k)
                            } else {
                                BLAS.sgemm(
                                    transA: true, transB: false, m: k, n: n, k: live[e], a: ab + e * sa, lda: k,
                                    b: gb + e * sg, ldb: n, c: out, ldc: n)
                            }
                        } : nil
                    return [da, db]
                }
            }
        }
    }
}
