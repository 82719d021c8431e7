import XCTest
import Tensors
#if canImport(Glibc)
import Glibc
#endif

/// The vectorisable exp/sigmoid/tanh against glibc over a dense grid.
final class FastMathTests: XCTestCase {
    func testExpRelativeErrorAgainstGlibc() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let ref = expf(x)
            worst = max(worst, abs(FastMath.exp(x) - ref) / ref)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertTrue(FastMath.exp(.nan).isNaN)
        XCTAssertTrue(FastMath.exp(1000).isFinite)
    }

    func testTanhAndSigmoidAbsoluteErrorAgainstGlibc() {
        var worstT: Float = 0, worstS: Float = 0
        var x: Float = -20
        while x < 20 {
            worstT = max(worstT, abs(FastMath.tanh(x) - tanhf(x)))
            worstS = max(worstS, abs(FastMath.sigmoid(x) - 1 / (1 + expf(-x))))
            x += 0.00731
        }
        XCTAssertLessThan(worstT, 3e-7)
        XCTAssertLessThan(worstS, 2e-7)
        XCTAssertEqual(FastMath.tanh(1e-6), 1e-6, accuracy: 1e-12)
        XCTAssertEqual(FastMath.tanh(-100), -1)
        XCTAssertEqual(FastMath.sigmoid(-200), 0, accuracy: 1e-30)
        XCTAssertEqual(FastMath.sigmoid(200), 1)
    }
}
