import CKernels
import Tensors
import XCTest

/// Asserts that the tape gradient of `f` matches central finite differences.
func assertGradients(
    _ inputs: [Tensor], tolerance: Float = 1e-2, epsilon: Float = 1e-2,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor
) {
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

/// Runs `body` once for every kernel variant this CPU has (baseline, AVX2+FMA, AVX-512; see
/// Modules/CKernels), so the variants the machine would not pick are tested too. Returns the
/// variants run; the one chosen at load time is restored afterwards.
@discardableResult
func forEachKernelVariant(_ body: (Int32) throws -> Void) rethrows -> [Int32] {
    let chosen = unroll_kernels_isa()
    defer { _ = unroll_kernels_force_isa(chosen) }
    var ran: [Int32] = []
    for isa in [Int32(UNROLL_ISA_BASELINE), Int32(UNROLL_ISA_AVX2), Int32(UNROLL_ISA_AVX512)]
    where unroll_kernels_force_isa(isa) == 1 {
        try body(isa)
        ran.append(isa)
    }
    return ran
}
