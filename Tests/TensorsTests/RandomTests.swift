import COpenBLAS
import XCTest

@testable import Tensors

final class RandomTests: XCTestCase {
    func testSameSeedSameNumbersDifferentSeedDifferent() {
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 1)
        var c = SeededGenerator(seed: 2)
        let x = Tensor.randomNormal([100], using: &a)
        let y = Tensor.randomNormal([100], using: &b)
        let z = Tensor.randomNormal([100], using: &c)
        XCTAssertEqual(x.scalars, y.scalars)
        XCTAssertNotEqual(x.scalars, z.scalars)
    }

    /// `fillMask` writes what one `nextUnitFloat()` per value gives, and leaves the generator
    /// where those calls would.
    func testFillMaskEqualsOneDrawPerValue() {
        var (a, b) = (SeededGenerator(seed: 5), SeededGenerator(seed: 5))
        var mask = [Float](repeating: -1, count: 1000)
        mask.withUnsafeMutableBufferPointer { a.fillMask($0.baseAddress!, count: 1000, rate: 0.3, keep: 2) }
        let expected = (0..<1000).map { _ in b.nextUnitFloat() < 0.3 ? Float(0) : 2 }
        XCTAssertEqual(mask, expected)
        XCTAssertEqual(a.next(), b.next())
        XCTAssertEqual(Double(mask.filter { $0 == 0 }.count), 300, accuracy: 45)
    }

    func testNormalMomentsAndUniformRange() {
        var g = SeededGenerator(seed: 3)
        let n = Tensor.randomNormal([20000], mean: 1, std: 2, using: &g).scalars
        let mean = n.reduce(0, +) / Float(n.count)
        let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n.count)
        XCTAssertEqual(mean, 1, accuracy: 0.05)
        XCTAssertEqual(variance.squareRoot(), 2, accuracy: 0.05)
        let u = Tensor.randomUniform([1000], low: -2, high: 3, using: &g).scalars
        XCTAssertTrue(u.allSatisfy { $0 >= -2 && $0 < 3 })
    }

    func testGlorotHeAndSqrtKLimits() {
        var g = SeededGenerator(seed: 4)
        let w = Tensor.glorotUniform([300, 100], using: &g).scalars
        let limit = (6.0 / 400.0).squareRoot()
        XCTAssertTrue(w.allSatisfy { abs(Double($0)) <= limit })
        XCTAssertGreaterThan(w.map { abs($0) }.max()!, Float(limit) * 0.95)
        let u = Tensor.uniformSqrtK([64, 64], k: 1 / 64, using: &g).scalars
        XCTAssertTrue(u.allSatisfy { abs($0) <= 0.125 })
        let h = Tensor.heNormal([500, 200], using: &g).scalars
        let std = (h.map { $0 * $0 }.reduce(0, +) / Float(h.count)).squareRoot()
        XCTAssertEqual(std, (2.0 / 500).squareRoot(), accuracy: 0.003)
    }

    func testOrthogonalIsOrthonormalTallAndWide() throws {
        var g = SeededGenerator(seed: 5)
        for shape in [[8, 8], [6, 24], [24, 6]] {
            let q = try Tensor.orthogonal(shape, using: &g)
            // The shorter side is orthonormal: QᵀQ = I (tall/square) or QQᵀ = I (wide).
            let wide = shape[0] < shape[1]
            let p = try Tensor.matmul(q, q, transposeA: !wide, transposeB: wide)
            let n = min(shape[0], shape[1])
            var eye = [Float](repeating: 0, count: n * n)
            for i in 0..<n { eye[i * n + i] = 1 }
            assertClose(p.scalars, eye, tol: 1e-4)
        }
        XCTAssertThrowsError(try Tensor.orthogonal([3], using: &g))
    }

    /// LAPACK's Householder QR with `diag(R) ≥ 0` gives the Q that modified Gram–Schmidt gives
    /// (the fallback): the same Gaussian draws, the same matrix up to Double rounding.
    func testOrthogonalMatchesGramSchmidt() throws {
        for shape in [[5, 3], [3, 5], [64, 256], [300, 40]] {
            var g = SeededGenerator(seed: 7)
            var h = SeededGenerator(seed: 7)
            let q = try Tensor.orthogonal(shape, gain: 1.5, using: &g).scalars
            let (tall, short) = (max(shape[0], shape[1]), min(shape[0], shape[1]))
            var ref = (0..<(tall * short)).map { _ in Double(h.nextNormal()) }
            Tensor.orthonormalizeColumns(&ref, rows: tall, cols: short)
            for r in 0..<shape[0] {
                for c in 0..<shape[1] {
                    let expected = 1.5 * (shape[0] >= shape[1] ? ref[c * tall + r] : ref[r * tall + c])
                    XCTAssertEqual(Double(q[r * shape[1] + c]), expected, accuracy: 1e-6, "\(shape) at (\(r), \(c))")
                }
            }
            XCTAssertEqual(g.nextUnitFloat(), h.nextUnitFloat(), "both drew the same numbers")
            var again = SeededGenerator(seed: 7)
            XCTAssertEqual(try Tensor.orthogonal(shape, gain: 1.5, using: &again).scalars, q, "same seed, same bits")
        }
        // Debian's OpenBLAS has LAPACK, so the QR path is the one that ran above.
        var a: [Double] = [3, 4, 0, 1, 1, 1]  // column-major [3, 2]
        XCTAssertEqual(unroll_orthonormal_columns(3, 2, &a), 1)
        XCTAssertEqual(a[0], 0.6, accuracy: 1e-12)
        XCTAssertEqual(a[1], 0.8, accuracy: 1e-12)  // the first column, normalised
        XCTAssertEqual(a[0] * a[3] + a[1] * a[4] + a[2] * a[5], 0, accuracy: 1e-12)
        // [0.16, −0.12, 1] normalised: R₂₂ > 0
        XCTAssertEqual(a[5], 1 / (1.0 + 0.16 * 0.16 + 0.12 * 0.12).squareRoot(), accuracy: 1e-12)
    }
}
