import Tensors
import XCTest

/// Worked numbers from the course notes.
final class GoldenTests: XCTestCase {
    func testSigmoidOfNotesVector() throws {
        let a = Tensor([0, 1, -1, 0]).sigmoid()
        assertClose(a.scalars, [0.5, 0.7311, 0.2689, 0.5], tol: 1e-4)
    }

    func testOutputLogitsAndSoftmaxPredictE() throws {
        let wAy = try Tensor(rows: [[0, 1, 0, -1.5], [1, 0, 0, 0], [0, -0.5, 1, 0], [0, 0, -1, 1]])
        let a = try Tensor(shape: [4, 1], scalars: [0.5, 0.7311, 0.2689, 0.5])
        let logits = try Tensor.matmul(wAy, a)
        assertClose(logits.scalars, [-0.0189, 0.5, -0.0966, 0.2311], tol: 1e-4)
        let p = try logits.reshaped([4]).softmax()
        XCTAssertEqual(p.scalars[1], 0.3436, accuracy: 1e-4)
        XCTAssertEqual(try p.argmax(axis: 0).scalar, 1)  // "e"
    }
}
