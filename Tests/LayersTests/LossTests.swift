import Layers
import Tensors
import XCTest

final class LossTests: XCTestCase {
    func testValuesAgainstHandComputation() throws {
        let p = try Tensor(shape: [2, 2], scalars: [0.9, 0.2, 0.4, 0.6])
        let y = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        // MSE: ((0.01 + 0.04)/2 + (0.16 + 0.16)/2)/2 = 0.0925
        XCTAssertEqual(try MeanSquaredError()(p, y).scalar!, 0.0925, accuracy: 1e-6)
        // Sum of squares: (0.05 + 0.32)/2 = 0.185
        XCTAssertEqual(try SumOfSquares()(p, y).scalar!, 0.185, accuracy: 1e-6)
        // BCE: −mean[ln .9, ln .8, ln .6, ln .6]
        let bce = -(log(0.9) + log(0.8) + log(0.6) + log(0.6)) / 4
        XCTAssertEqual(try BinaryCrossEntropy()(p, y).scalar!, Float(bce), accuracy: 1e-6)
        // CCE with probabilities: −(ln .9 + ln .6)/2 ; sparse with targets [0, 1] gives the same
        XCTAssertEqual(try CategoricalCrossEntropy()(p, y).scalar!, Float(-(log(0.9) + log(0.6)) / 2), accuracy: 1e-6)
        XCTAssertEqual(
            try SparseCategoricalCrossEntropy()(p, Tensor([0, 1])).scalar!, Float(-(log(0.9) + log(0.6)) / 2),
            accuracy: 1e-6)
    }

    func testLogitFormsEqualProbabilityFormsAndAreStable() throws {
        let z = rand([3, 4], seed: 1, low: -3, high: 3)
        let y = try Tensor.oneHot(Tensor([0, 3, 1]), depth: 4)
        XCTAssertEqual(
            try CategoricalCrossEntropy(fromLogits: true)(z, y).scalar!,
            try CategoricalCrossEntropy()(z.softmax(), y).scalar!, accuracy: 1e-5)
        let yb = try Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0 % 2) })
        XCTAssertEqual(
            try BinaryCrossEntropy(fromLogits: true)(z, yb).scalar!, try BinaryCrossEntropy()(z.sigmoid(), yb).scalar!,
            accuracy: 1e-5)
        let huge = try BinaryCrossEntropy(fromLogits: true)(
            Tensor([500, -500]).reshaped([2, 1]), Tensor([0, 1]).reshaped([2, 1])
        ).scalar!
        XCTAssertEqual(huge, 500, accuracy: 1e-3)
    }

    func testGradients() {
        let y = try! Tensor.oneHot(Tensor([0, 2]), depth: 3)
        assertGradientsOK([rand([2, 3], seed: 2)]) { try CategoricalCrossEntropy(fromLogits: true)($0[0], y) }
        assertGradientsOK([rand([2, 3], seed: 3, low: 0.1, high: 0.9)]) { try BinaryCrossEntropy()($0[0], y) }
        assertGradientsOK([rand([2, 3], seed: 4)]) { try BinaryCrossEntropy(fromLogits: true)($0[0], y) }
        assertGradientsOK([rand([2, 3], seed: 5)]) { try MeanSquaredError()($0[0], y) }
        assertGradientsOK([rand([2, 3], seed: 6)]) { try SumOfSquares()($0[0], y) }
        assertGradientsOK([rand([2, 3], seed: 7)]) {
            try SparseCategoricalCrossEntropy(fromLogits: true)($0[0], Tensor([1, 2]))
        }
    }

    func testLabelSmoothingTrainsAgainstTheSpreadTargetAndChecksItsRange() throws {
        let z = rand([3, 4], seed: 9, low: -3, high: 3)
        let t = Tensor([0, 3, 1])
        let s: Float = 0.2
        // By hand: the targets (1 − s)·onehot + s/4, against log softmax(z).
        let soft = try Tensor.oneHot(t, depth: 4).scaled(by: 1 - s).shifted(by: s / 4)
        let expected = try -(soft * z.logSoftmax(axis: -1)).sum(axis: -1).mean().scalar!
        for loss in [
            try SparseCategoricalCrossEntropy(fromLogits: true, labelSmoothing: s),
            try SparseCategoricalCrossEntropy(fromLogits: false, labelSmoothing: s),
        ] {
            let p = loss.fromLogits ? z : try z.softmax()
            XCTAssertEqual(try loss(p, t).scalar!, expected, accuracy: 1e-5)
        }
        let cce = try CategoricalCrossEntropy(fromLogits: true, labelSmoothing: s)
        XCTAssertEqual(try cce(z, Tensor.oneHot(t, depth: 4)).scalar!, expected, accuracy: 1e-5)
        let plain = try SparseCategoricalCrossEntropy(fromLogits: true)(z, t).scalar!
        XCTAssertEqual(try SparseCategoricalCrossEntropy(fromLogits: true, labelSmoothing: 0)(z, t).scalar!, plain)
        XCTAssertGreaterThan(abs(expected - plain), 0.1)  // the smoothing is not lost on the way
        assertGradientsOK([z]) { try SparseCategoricalCrossEntropy(fromLogits: true, labelSmoothing: s)($0[0], t) }
        assertGradientsOK([rand([3, 4], seed: 10, low: 0.1, high: 0.9)]) {
            try SparseCategoricalCrossEntropy(labelSmoothing: s)($0[0], t)
        }
        for bad: Float in [-0.1, 1, .nan] {
            XCTAssertThrowsError(try SparseCategoricalCrossEntropy(labelSmoothing: bad)) { e in
                XCTAssertTrue("\(e)".contains("label_smoothing"), "\(e)")
            }
        }
    }

    func testPerStepLossHonoursMask() throws {
        let z = rand([2, 3, 4], seed: 8)
        let t = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 0, 1])
        let mask = try Tensor(shape: [2, 3], scalars: [1, 1, 0, 1, 0, 0])
        let loss = SparseCategoricalCrossEntropy(fromLogits: true)
        let per = try loss.perExample(z, t).scalars
        XCTAssertEqual(try loss(z, t, mask: mask).scalar!, (per[0] + per[1] + per[3]) / 3, accuracy: 1e-6)
        assertGradientsOK([z]) { try loss($0[0], t, mask: mask) }
        XCTAssertThrowsError(try loss(z, t, mask: Tensor.ones([2])))
        XCTAssertThrowsError(try loss(z, Tensor.zeros([2]))) { e in
            XCTAssertTrue("\(e)".contains("sparse_categorical_crossentropy"))
        }
    }
}

func assertGradientsOK(
    _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor
) {
    do {
        let r = try GradientCheck.check(inputs, epsilon: 1e-3, f)
        XCTAssertLessThan(r.maxError, 1e-2, "\(r)", file: file, line: line)
    } catch { XCTFail("\(error)", file: file, line: line) }
}
