import Tensors
import XCTest

final class MatmulTests: XCTestCase {
    /// Naive triple loop on row-major data with optional transposes.
    static func naive(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> [Float] {
        let (av, bv) = (a.scalars, b.scalars)
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = tb ? b.shape[0] : b.shape[1]
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k {
                    let x = ta ? av[p * a.shape[1] + i] : av[i * a.shape[1] + p]
                    let y = tb ? bv[j * b.shape[1] + p] : bv[p * b.shape[1] + j]
                    s += x * y
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    func testEveryTransposeCombinationMatchesNaiveLoop() throws {
        let (m, k, n) = (5, 7, 3)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = rand(ta ? [k, m] : [m, k], seed: 1)
                let b = rand(tb ? [n, k] : [k, n], seed: 2)
                let c = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
                XCTAssertEqual(c.shape, [m, n])
                assertClose(c.scalars, Self.naive(a, b, ta, tb), tol: 1e-5)
            }
        }
    }

    func testBatchedMatchesPerBatchMatmul() throws {
        let a = rand([3, 4, 5], seed: 3)
        let b = rand([3, 5, 2], seed: 4)
        let c = try Tensor.batchedMatmul(a, b)
        for i in 0..<3 {
            let ci = try Tensor.matmul(a.index(i), b.index(i))
            assertClose(try c.index(i).scalars, ci.scalars, tol: 1e-5)
        }
    }

    func testMatmulGradientsEveryTransposeCombination() {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = rand(ta ? [3, 2] : [2, 3], seed: 5)
                let b = rand(tb ? [4, 3] : [3, 4], seed: 6)
                assertGradients([a, b]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testBatchedMatmulGradientsEveryTransposeCombination() {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = rand(ta ? [2, 3, 2] : [2, 2, 3], seed: 7)
                let b = rand(tb ? [2, 4, 3] : [2, 3, 4], seed: 8)
                assertGradients([a, b]) { try Tensor.batchedMatmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testMatmulLastAxisActsPerTimeStep() throws {
        let x = rand([2, 3, 4], seed: 9)
        let w = rand([4, 5], seed: 10)
        let y = try x.matmulLastAxis(w)
        XCTAssertEqual(y.shape, [2, 3, 5])
        let y0 = try Tensor.matmul(x.index(1), w)
        assertClose(try y.index(1).scalars, y0.scalars, tol: 1e-5)
        assertGradients([x, w]) { try $0[0].matmulLastAxis($0[1]) }
    }

    /// With zero gradient rows (masked steps), the backward multiplies only the others: dx is zero
    /// there and equal elsewhere, dW and db agree with the full products, and a gradient with too
    /// few zero rows takes the full path.
    func testMatmulLastAxisBackwardSkipsZeroGradientRows() throws {
        let x = rand([3, 4, 6], seed: 21)
        let w = rand([6, 5], seed: 22)
        let b = rand([5], seed: 23)
        // Rows 1, 2, 5, 6, 7, 9, 10 of the 12 steps are masked: 7 of 12 zero.
        let keep: [Float] = [1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1]
        let mask = try Tensor(shape: [3, 4, 1], scalars: keep)
        let weights = try rand([3, 4, 5], seed: 24) * mask
        func grads(skip: Bool) throws -> [Tensor] {
            Tensor.skipZeroGradientRows = skip
            defer { Tensor.skipZeroGradientRows = true }
            let (xl, wl, bl) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
            return try gradients(of: (xl.matmulLastAxis(wl, bias: bl) * weights).sum(), wrt: [xl, wl, bl])
        }
        let (skipped, full) = (try grads(skip: true), try grads(skip: false))
        assertClose(skipped[0].scalars, full[0].scalars, tol: 1e-6)
        for (r, k) in keep.enumerated() where k == 0 { XCTAssertEqual(skipped[0].scalars[r * 6..<r * 6 + 6].max(), 0) }
        XCTAssertNotEqual(skipped[0].scalars[0], 0)
        assertClose(skipped[1].scalars, full[1].scalars, tol: 1e-5)
        assertClose(skipped[2].scalars, full[2].scalars, tol: 1e-5)
        XCTAssertEqual(mask.liveRows(worthAtMost: 0.75), [0, 3, 4, 8, 11])
        XCTAssertNil(Tensor.ones([4, 2]).liveRows(worthAtMost: 0.75))  // all live: not worth it
        XCTAssertNil(Tensor.zeros([4, 2]).liveRows(worthAtMost: 0.75))  // none live
        let picked = try x.reshaped([12, 6]).rows([3, 8])
        XCTAssertEqual(picked.scalars, Array(x.scalars[18..<24] + x.scalars[48..<54]))
        let spread = Tensor.scatteredRows(picked, slots: [3, 8], rows: 12).scalars
        XCTAssertEqual(spread, (0..<72).map { [3, 8].contains($0 / 6) ? x.scalars[$0] : 0 })
        assertGradients([x, w]) { try $0[0].matmulLastAxis($0[1]) * mask }
    }

    /// A batched product whose entries are shared out among threads (attention's shapes, 2 and 3
    /// threads) gives the bits of one thread doing them in turn, forward and backward.
    func testBatchedMatmulSharedAmongThreadsGivesTheSameBits() throws {
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { (pool.threadCount, BLAS.splitBatches) = (old, true) }
        let q = rand([64, 21, 96], seed: 31)
        let v = rand([64, 20, 96], seed: 32)
        func run(split: Bool, threads: Int) throws -> [[Float]] {
            (pool.threadCount, BLAS.splitBatches) = (threads, split)
            let (ql, vl) = (q.requiringGrad(), v.requiringGrad())
            let s = try Tensor.batchedMatmul(ql, vl, transposeB: true)  // [64, 21, 20]: 64 × 40 k multiply-adds
            let c = try Tensor.batchedMatmul(s.softmax(axis: -1), vl)
            let g = try gradients(of: (c * c).sum(), wrt: [ql, vl])
            return [s.scalars, c.scalars, g[0].scalars, g[1].scalars]
        }
        let inTurn = try run(split: false, threads: 1)
        for threads in [2, 3] { XCTAssertEqual(try run(split: true, threads: threads), inTurn, "threads \(threads)") }
        let s = try Tensor.batchedMatmul(q, v, transposeB: true)
        let five = try Tensor.matmul(q.index(5), v.index(5), transposeB: true)
        assertClose(try s.index(5).scalars, five.scalars, tol: 1e-5)
    }

    /// When each entry's gradient ends in zero rows (padded queries), the backward multiplies only
    /// the rows before them: the same gradients as the full products (both transposes of B), zero
    /// after the live rows, and finite differences agree.
    func testBatchedMatmulBackwardLeavesOutTrailingZeroRows() throws {
        let lengths = [3, 0, 5, 1]  // live query rows of 6 per entry: 9 of 24
        let rowMask = try Tensor(shape: [4, 6, 1], scalars: lengths.flatMap { l in (0..<6).map { $0 < l ? 1 : 0 } })
        for transposeB in [false, true] {
            let a = rand([4, 6, 5], seed: 41)
            let b = rand(transposeB ? [4, 7, 5] : [4, 5, 7], seed: 42)
            let weights = try rand([4, 6, 7], seed: 43) * rowMask
            func grads(skip: Bool) throws -> [Tensor] {
                Tensor.skipZeroGradientRows = skip
                defer { Tensor.skipZeroGradientRows = true }
                let (al, bl) = (a.requiringGrad(), b.requiringGrad())
                let c = try Tensor.batchedMatmul(al, bl, transposeB: transposeB)
                return try gradients(of: (c * weights).sum(), wrt: [al, bl])
            }
            let (trimmed, full) = (try grads(skip: true), try grads(skip: false))
            assertClose(trimmed[0].scalars, full[0].scalars, tol: 1e-6)
            assertClose(trimmed[1].scalars, full[1].scalars, tol: 1e-5)
            XCTAssertEqual(trimmed[0].scalars, try (trimmed[0] * rowMask).scalars)
            XCTAssertEqual(try trimmed[1].index(1).scalars.allSatisfy { $0 == 0 }, true)  // no live row
            XCTAssertNotEqual(try trimmed[1].index(3).scalars.filter { $0 != 0 }.count, 0)
            assertGradients([a, b]) { try Tensor.batchedMatmul($0[0], $0[1], transposeB: transposeB) * rowMask }
        }
        XCTAssertEqual(try (rand([4, 6, 7], seed: 44) * rowMask).liveRowsPerEntry(), lengths)
        XCTAssertNil(rand([4, 6, 7], seed: 44).liveRowsPerEntry())  // every row live: the full path
    }

    func testShapeMismatchNamesOpAndBothShapes() {
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("matmul") && s.contains("[2, 3]") && s.contains("[4, 5]"), s)
        }
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2]), Tensor.zeros([2, 2])))
    }
}

/// `BLAS.sgemmTiled` (`unroll_gemm_tiled` in C: the few-rows path of `BLAS.sgemm` and the recurrent
/// step's products) against a naive loop: every row-tile remainder (6-, 4- and 1-row tiles), full
/// 64-column tiles, 16-column tiles and scalar columns, α, β and leading dimensions, in every
/// kernel variant; and the few-rows path through `BLAS.sgemm` itself.
final class SmallRowsGEMMTests: XCTestCase {
    func naive(
        _ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int,
        alpha: Float, beta: Float
    ) -> [Float] {
        var want = c
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * lda + p] * b[p * ldb + j] }
                want[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j]
            }
        }
        return want
    }

    func testTiledKernelMatchesNaiveLoop() {
        forEachKernelVariant { _ in
            for m in [1, 2, 3, 4, 5, 6, 7, 10, 13, 16] {
                for n in [16, 37, 64, 64 * 2 + 5, 100, 256] {
                    for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -2)] {
                        let k = 7 + m % 3
                        let (lda, ldb, ldc) = (k + 2, n + 3, n + 1)
                        let a = rand([m * lda], seed: UInt64(m)).scalars
                        let b = rand([k * ldb], seed: UInt64(n)).scalars
                        var c = rand([m * ldc], seed: 10).scalars
                        let want = naive(
                            a, b, c, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, alpha: alpha, beta: beta)
                        if beta == 0 {
                            for i in 0..<m {
                                c[i * ldc] = .nan
                                c[i * ldc + n - 1] = .nan
                            }
                        }  // β = 0 ignores old contents, even NaN
                        a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    BLAS.sgemmTiled(
                                        m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                                        b: bp.baseAddress!, ldb: ldb,
                                        beta: beta, c: cp.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                        assertClose(c, want, tol: 1e-5)
                        for i in 0..<m {
                            for j in n..<ldc {
                                XCTAssertEqual(c[i * ldc + j], rand([m * ldc], seed: 10).scalars[i * ldc + j])
                            }
                        }  // padding untouched
                    }
                }
            }
        }
    }

    /// Prefetching B's rows ahead (`BLAS.tiledPrefetchRows`) changes no bit, whether the distance
    /// is 0, inside `k` (the loop splits into rows with and without a row ahead) or beyond it.
    func testTiledPrefetchDistanceChangesNoBit() {
        let saved = BLAS.tiledPrefetchRows
        defer { BLAS.tiledPrefetchRows = saved }
        XCTAssertEqual(saved, 4, "default distance")
        BLAS.tiledPrefetchRows = -3
        XCTAssertEqual(BLAS.tiledPrefetchRows, 0, "a negative distance means none")
        forEachKernelVariant { _ in
            let (m, n, k, ldb) = (7, 64 + 32 + 5, 11, 130)
            let a = rand([m * k], seed: 5).scalars
            let b = rand([k * ldb], seed: 6).scalars
            func product(prefetch: Int) -> [Float] {
                BLAS.tiledPrefetchRows = prefetch
                var c = [Float](repeating: .nan, count: m * n)
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            BLAS.sgemmTiled(
                                m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: ldb,
                                c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                return c
            }
            let none = product(prefetch: 0)
            assertClose(
                none,
                naive(
                    a, b, [Float](repeating: 0, count: m * n), m: m, n: n, k: k, lda: k, ldb: ldb, ldc: n, alpha: 1,
                    beta: 0), tol: 1e-5)
            for d in [1, 3, 4, k - 1, k, k + 3] {
                let differing = zip(product(prefetch: d), none).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "elements that differ with prefetch \(d) rows ahead")
            }
        }
    }

    /// A row's result does not depend on which row tile it falls in (the recurrent kernel splits
    /// rows between threads and promises the same bits for every thread count).
    func testTiledRowsAreIndependentOfRowCount() {
        let (m, n, k) = (13, 64 + 16 + 3, 50)
        let a = rand([m * k], seed: 1).scalars
        let b = rand([k * n], seed: 2).scalars
        var all = [Float](repeating: 0, count: m * n)
        var one = [Float](repeating: 0, count: n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                all.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemmTiled(
                        m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!,
                        ldc: n)
                }
                for i in 0..<m {
                    one.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemmTiled(
                            m: 1, n: n, k: k, a: ap.baseAddress! + i * k, lda: k, b: bp.baseAddress!, ldb: n,
                            c: cp.baseAddress!, ldc: n)
                    }
                    XCTAssertEqual(Array(all[(i * n)..<((i + 1) * n)]), one, "row \(i)")
                }
            }
        }
    }

    /// Including a long sum (`m·n·k ≥ BLAS.parallelSmallRows`) split by columns over 2 threads,
    /// which must give the one-thread bits.
    func testSmallRowsPathOfSgemmMatchesNaiveLoop() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        let (m, n, k) = (2, 64 * 3 + 5, 1500)
        XCTAssertGreaterThanOrEqual(m * n * k, BLAS.parallelSmallRows)
        let a = rand([m * k], seed: 3).scalars
        let b = rand([k * n], seed: 4).scalars
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            BLAS.threadCount = threads
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(
                            transA: false, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                            b: bp.baseAddress!, ldb: n,
                            c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            results.append(c)
        }
        XCTAssertEqual(results[1], results[0])
        XCTAssertEqual(results[2], results[0])
        assertClose(
            results[0],
            naive(
                a, b, [Float](repeating: 0, count: m * n), m: m, n: n, k: k, lda: k, ldb: n, ldc: n, alpha: 1, beta: 0),
            tol: 1e-3)
        for m in 1...BLAS.smallRows {
            let (k, n, lda, ldb, ldc) = (7, 64 * 2 + 5, 9, 140, 150)
            let a = rand([m * lda], seed: UInt64(m)).scalars
            let b = rand([k * ldb], seed: 9).scalars
            var c = rand([m * ldc], seed: 10).scalars
            let want = naive(a, b, c, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, alpha: 0.5, beta: -2)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(
                            transA: false, transB: false, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                            b: bp.baseAddress!, ldb: ldb, beta: -2, c: cp.baseAddress!, ldc: ldc)
                    }
                }
            }
            assertClose(c, want, tol: 1e-5)
        }
    }

    /// Products above `BLAS.parallelWork` are split by rows (m ≥ n) or by 16-column blocks;
    /// every transpose combination, with strides and β, must match the naive loop.
    func testThreadSplitProductsMatchNaiveLoop() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 3  // uneven parts
        for (m, k, n) in [(301, 256, 70), (40, 320, 333)] {  // row split, column split
            XCTAssertGreaterThanOrEqual(m * n * k, BLAS.parallelWork)
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = rand(ta ? [k, m] : [m, k], seed: 3)
                    let b = rand(tb ? [n, k] : [k, n], seed: 4)
                    let ldc = n + 3
                    var c = rand([m * ldc], seed: 5).scalars
                    let before = c
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                BLAS.sgemm(
                                    transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!,
                                    lda: a.shape[1],
                                    b: bp.baseAddress!, ldb: b.shape[1], beta: 2, c: cp.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    let ref = MatmulTests.naive(a, b, ta, tb)
                    var want = before
                    for i in 0..<m {
                        for j in 0..<n {
                            let r: Float = ref[i * n + j]
                            let c0: Float = before[i * ldc + j]
                            want[i * ldc + j] = 0.5 * r + 2 * c0
                        }
                    }
                    assertClose(c, want, tol: 1e-4)
                }
            }
        }
    }

    /// `rowBias` fills C with the bias before the product, on every path: split by rows, split by
    /// columns, one thread, and the few-rows kernel.
    func testRowBiasOnEveryPath() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 3
        for (m, k, n) in [(301, 256, 70), (40, 320, 333), (20, 10, 30), (2, 9, 130), (3, 0, 70)] {
            let a = rand([m, k], seed: 9)
            let b = rand([k, n], seed: 10)
            let bias = rand([n], seed: 11).scalars
            var c = [Float](repeating: .nan, count: m * n)  // old contents must not matter
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        bias.withUnsafeBufferPointer { zp in
                            BLAS.sgemm(
                                transA: false, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                                b: bp.baseAddress!, ldb: n,
                                beta: 1, c: cp.baseAddress!, ldc: n, rowBias: zp.baseAddress!)
                        }
                    }
                }
            }
            let ref = MatmulTests.naive(a, b, false, false)
            assertClose(c, (0..<(m * n)).map { ref[$0] + bias[$0 % n] }, tol: 1e-4)
        }
    }
}
