import XCTest
import Tensors

final class MatmulTests: XCTestCase {
    /// Naive triple loop on row-major data with optional transposes.
    static func naive(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> [Float] {
        let A = a.scalars, B = b.scalars
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = tb ? b.shape[0] : b.shape[1]
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s: Float = 0
            for p in 0..<k {
                let x = ta ? A[p * a.shape[1] + i] : A[i * a.shape[1] + p]
                let y = tb ? B[j * b.shape[1] + p] : B[p * b.shape[1] + j]
                s += x * y
            }
            c[i * n + j] = s } }
        return c
    }

    func testEveryTransposeCombinationMatchesNaiveLoop() throws {
        let (m, k, n) = (5, 7, 3)
        for ta in [false, true] { for tb in [false, true] {
            let a = rand(ta ? [k, m] : [m, k], seed: 1)
            let b = rand(tb ? [n, k] : [k, n], seed: 2)
            let c = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
            XCTAssertEqual(c.shape, [m, n])
            assertClose(c.scalars, Self.naive(a, b, ta, tb), tol: 1e-5)
        } }
    }

    func testBatchedMatchesPerBatchMatmul() throws {
        let a = rand([3, 4, 5], seed: 3), b = rand([3, 5, 2], seed: 4)
        let c = try Tensor.batchedMatmul(a, b)
        for i in 0..<3 {
            let ci = try Tensor.matmul(a.index(i), b.index(i))
            assertClose(try c.index(i).scalars, ci.scalars, tol: 1e-5)
        }
    }

    func testMatmulGradientsEveryTransposeCombination() {
        for ta in [false, true] { for tb in [false, true] {
            let a = rand(ta ? [3, 2] : [2, 3], seed: 5), b = rand(tb ? [4, 3] : [3, 4], seed: 6)
            assertGradients([a, b]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        } }
    }

    func testBatchedMatmulGradientsEveryTransposeCombination() {
        for ta in [false, true] { for tb in [false, true] {
            let a = rand(ta ? [2, 3, 2] : [2, 2, 3], seed: 7), b = rand(tb ? [2, 4, 3] : [2, 3, 4], seed: 8)
            assertGradients([a, b]) { try Tensor.batchedMatmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        } }
    }

    func testMatmulLastAxisActsPerTimeStep() throws {
        let x = rand([2, 3, 4], seed: 9), w = rand([4, 5], seed: 10)
        let y = try x.matmulLastAxis(w)
        XCTAssertEqual(y.shape, [2, 3, 5])
        let y0 = try Tensor.matmul(x.index(1), w)
        assertClose(try y.index(1).scalars, y0.scalars, tol: 1e-5)
        assertGradients([x, w]) { try $0[0].matmulLastAxis($0[1]) }
    }

    func testShapeMismatchNamesOpAndBothShapes() {
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("matmul") && s.contains("[2, 3]") && s.contains("[4, 5]"), s)
        }
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2]), Tensor.zeros([2, 2])))
    }
}

/// The few-rows path of `BLAS.sgemm` (batch-1 inference, `unroll_gemm_small_rows` in C) against a naive loop,
/// including the scalar remainder columns, α, β and leading dimensions.
final class SmallRowsGEMMTests: XCTestCase {
    func testSmallRowsKernelMatchesNaiveLoop() {
        forEachKernelVariant { _ in
        for m in 1...4 { for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -2)] {
            let (k, n, lda, ldb, ldc) = (7, 64 * 2 + 5, 9, 140, 150)
            let a = rand([m * lda], seed: UInt64(m)).scalars, b = rand([k * ldb], seed: 9).scalars
            var c = rand([m * ldc], seed: 10).scalars
            var want = c
            for i in 0..<m { for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * lda + p] * b[p * ldb + j] }
                want[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j]
            } }
            if beta == 0 { for i in 0..<m { c[i * ldc] = .nan } }      // β = 0: old contents, even NaN, are ignored
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                           b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
            } } }
            assertClose(c, want, tol: 1e-5)
        } }
        }
    }

    /// Products above `BLAS.parallelWork` are split by rows (m ≥ n) or by 16-column blocks;
    /// every transpose combination, with strides and β, must match the naive loop.
    func testThreadSplitProductsMatchNaiveLoop() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 3                                           // uneven parts
        for (m, k, n) in [(301, 256, 70), (40, 320, 333)] {             // row split, column split
            XCTAssertGreaterThanOrEqual(m * n * k, BLAS.parallelWork)
            for ta in [false, true] { for tb in [false, true] {
                let a = rand(ta ? [k, m] : [m, k], seed: 3), b = rand(tb ? [n, k] : [k, n], seed: 4)
                let ldc = n + 3
                var c = rand([m * ldc], seed: 5).scalars
                let before = c
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: a.shape[1],
                               b: bp.baseAddress!, ldb: b.shape[1], beta: 2, c: cp.baseAddress!, ldc: ldc)
                } } }
                let ref = MatmulTests.naive(a, b, ta, tb)
                var want = before
                for i in 0..<m { for j in 0..<n {
                    let r: Float = ref[i * n + j], c0: Float = before[i * ldc + j]
                    want[i * ldc + j] = 0.5 * r + 2 * c0
                } }
                assertClose(c, want, tol: 1e-4)
            } }
        }
    }

    /// `rowBias` fills C with the bias before the product, on every path: split by rows, split by
    /// columns, one thread, and the few-rows kernel.
    func testRowBiasOnEveryPath() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 3
        for (m, k, n) in [(301, 256, 70), (40, 320, 333), (20, 10, 30), (2, 9, 130), (3, 0, 70)] {
            let a = rand([m, k], seed: 9), b = rand([k, n], seed: 10), bias = rand([n], seed: 11).scalars
            var c = [Float](repeating: .nan, count: m * n)          // old contents must not matter
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in bias.withUnsafeBufferPointer { zp in
                BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                           beta: 1, c: cp.baseAddress!, ldc: n, rowBias: zp.baseAddress!)
            } } } }
            let ref = MatmulTests.naive(a, b, false, false)
            assertClose(c, (0..<(m * n)).map { ref[$0] + bias[$0 % n] }, tol: 1e-4)
        }
    }
}
