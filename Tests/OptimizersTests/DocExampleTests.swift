import Layers
import Optimizers
import Tensors
import XCTest

/// The code examples in the Optimizers module's doc comments, run as written and checked against
/// the values the comments state.
final class OptimizerDocExampleTests: XCTestCase {
    func testFirstStepOfEachOptimizer() throws {
        let g = Tensor([0.5, 1])
        assertSteps(try optimizerSteps(SGD(learningRate: 0.1), steps: 1, gradient: g), [[0.95, -2.1]])
        assertSteps(try optimizerSteps(Adam(learningRate: 0.001), steps: 1, gradient: g), [[0.999, -2.001]], tol: 1e-5)
        let r = 0.001 / 0.1.squareRoot()
        assertSteps(
            try optimizerSteps(RMSProp(learningRate: 0.001), steps: 1, gradient: g), [[1 - r, -2 - r]], tol: 1e-5)
        assertSteps(
            try optimizerSteps(Adagrad(learningRate: 0.001), steps: 1, gradient: g), [[1 - 0.000845, -2 - 0.000953]])
    }

    func testClippingAndSchedule() {
        var grads = [Tensor([3, 4])]
        let r = GradientClipping.globalNorm(1).apply(&grads)
        XCTAssertEqual(grads[0].scalars[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(grads[0].scalars[1], 0.8, accuracy: 1e-6)
        XCTAssertEqual(r.normBefore, 5, accuracy: 1e-6)
        XCTAssertTrue(r.clipped)
        let s = LearningRateSchedule(initial: 0.1, kind: .stepDecay(factor: 0.5, every: 100), warmupSteps: 10)
        XCTAssertEqual(s.rate(at: 4), 0.05, accuracy: 1e-7)
        XCTAssertEqual(s.rate(at: 110), 0.05, accuracy: 1e-7)
        XCTAssertEqual(s.rate(at: 109), 0.1, accuracy: 1e-7)
    }
}
