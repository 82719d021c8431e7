import Tensors
import XCTest

/// Sizes that could never be allocated are named, not attempted.
final class MemoryBudgetTests: XCTestCase {
    func testElementCountDetectsOverflowAndNegativeExtents() {
        XCTAssertEqual(MemoryBudget.elementCount([32, 100, 128]), 409_600)
        XCTAssertEqual(MemoryBudget.elementCount([]), 1)
        XCTAssertEqual(MemoryBudget.elementCount([0, 1 << 62]), 0)
        XCTAssertNil(MemoryBudget.elementCount([1 << 32, 1 << 32]))
        XCTAssertNil(MemoryBudget.elementCount([4, -1]))
    }

    func testProblemNamesTheShapeAndTheLimit() throws {
        XCTAssertNil(MemoryBudget.problem(shape: [64, 256], bytesPerElement: 16, what: "a parameter"))
        // An extent BLAS's 32-bit sizes cannot take, whatever the memory.
        let wide = try XCTUnwrap(
            MemoryBudget.problem(shape: [4, 1_000_000_000_000], bytesPerElement: 16, what: "a parameter"))
        XCTAssertTrue(wide.contains("[4, 1000000000000]") && wide.contains("2147483647"), wide)
        // 10¹⁵ scalars: 16 PB, more than any machine this runs on.
        let huge = try XCTUnwrap(
            MemoryBudget.problem(shape: [1_000_000_000, 1_000_000], bytesPerElement: 16, what: "a parameter"))
        XCTAssertTrue(
            huge.contains("16000000.0 GB") && huge.contains("× 16 bytes") && huge.contains("more than this machine's"),
            huge)
        // Bytes that overflow Int.
        let overflow = try XCTUnwrap(
            MemoryBudget.problem(shape: [2_000_000_000, 2_000_000_000], bytesPerElement: 16, what: "x"))
        XCTAssertTrue(overflow.contains("more bytes than can be counted"), overflow)
        XCTAssertGreaterThan(MemoryBudget.physicalBytes, 1 << 28)  // the machine reports its memory
    }

    func testDescribe() {
        XCTAssertEqual(MemoryBudget.describe(bytes: 1_500_000_000), "1.5 GB")
        XCTAssertEqual(MemoryBudget.describe(bytes: 320_400_000), "320 MB")
    }
}
