import CKernels
import Tensors
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The vectorised exp/sigmoid/tanh against glibc over a dense grid, in every kernel variant the
/// CPU has (the array forms, which hot loops use, and the scalar forms).
final class FastMathTests: XCTestCase {
    func testExpRelativeErrorAgainstGlibc() {
        let ran = forEachKernelVariant { isa in
            var worst: Float = 0
            var x: Float = -87
            while x < 88 {
                let ref = expf(x)
                worst = max(worst, abs(FastMath.exp(x) - ref) / ref)
                x += 0.0137
            }
            XCTAssertLessThan(worst, 5e-7, "variant \(isa)")
            XCTAssertTrue(FastMath.exp(.nan).isNaN)
            XCTAssertTrue(FastMath.exp(1000).isFinite)
            var grid = stride(from: Float(-87), to: 88, by: 0.0137).map { $0 }
            let ref = grid.map(expf)
            grid.withUnsafeMutableBufferPointer { FastMath.exp($0.baseAddress!, count: $0.count) }
            XCTAssertLessThan(zip(grid, ref).map { abs($0 - $1) / $1 }.max()!, 5e-7, "variant \(isa), array form")
        }
        XCTAssertTrue(ran.contains(Int32(UNROLL_ISA_BASELINE)))
    }

    func testTanhAndSigmoidAbsoluteErrorAgainstGlibc() {
        forEachKernelVariant { isa in
            var worstT: Float = 0
            var worstS: Float = 0
            var x: Float = -20
            while x < 20 {
                worstT = max(worstT, abs(FastMath.tanh(x) - tanhf(x)))
                worstS = max(worstS, abs(FastMath.sigmoid(x) - 1 / (1 + expf(-x))))
                x += 0.00731
            }
            XCTAssertLessThan(worstT, 3e-7, "variant \(isa)")
            XCTAssertLessThan(worstS, 2e-7, "variant \(isa)")
            var t = stride(from: Float(-20), to: 20, by: 0.00731).map { $0 }
            var s = t
            let (refT, refS) = (t.map(tanhf), t.map { 1 / (1 + expf(-$0)) })
            t.withUnsafeMutableBufferPointer { FastMath.tanh($0.baseAddress!, count: $0.count) }
            s.withUnsafeMutableBufferPointer { FastMath.sigmoid($0.baseAddress!, count: $0.count) }
            XCTAssertLessThan(zip(t, refT).map { abs($0 - $1) }.max()!, 3e-7, "variant \(isa), array form")
            XCTAssertLessThan(zip(s, refS).map { abs($0 - $1) }.max()!, 2e-7, "variant \(isa), array form")
            XCTAssertEqual(FastMath.tanh(1e-6), 1e-6, accuracy: 1e-12)
            XCTAssertEqual(FastMath.tanh(-100), -1)
            XCTAssertEqual(FastMath.sigmoid(-200), 0, accuracy: 1e-30)
            XCTAssertEqual(FastMath.sigmoid(200), 1)
        }
    }
}
