import XCTest
import Tensors

/// Asserts that the tape gradient of `f` matches central finite differences.
func assertGradients(_ inputs: [Tensor], tolerance: Float = 1e-2, epsilon: Float = 1e-2,
                     file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor) {
    do {
        let report = try GradientCheck.check(inputs, epsilon: epsilon, f)
        XCTAssertLessThan(report.maxError, tolerance, "\(report)", file: file, line: line)
    } catch {
        XCTFail("gradient check threw \(error)", file: file, line: line)
    }
}

/// A seeded random tensor in [low, high).
func rand(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: low, high: high, using: &g)
}

func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "count", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= tol) {
        XCTFail("element \(i): \(x) vs \(y) (tolerance \(tol))", file: file, line: line)
        return
    }
}
