import XCTest
import Tensors
import Layers
import Optimizers

/// The code examples in the Optimizers module's doc comments, run as written and checked against
/// the values the comments state.
final class OptimizerDocExampleTests: XCTestCase {
    private func weights() throws -> Parameter {
        let w = Parameter()
        try w.assign(Tensor([1, -2]))
        return w
    }
    private func assertClose(_ p: Parameter, _ expected: [Float], accuracy: Float = 1e-6, line: UInt = #line) {
        for (a, e) in zip(p.value.scalars, expected) { XCTAssertEqual(a, e, accuracy: accuracy, line: line) }
    }
    private let g = Tensor([0.5, 1])

    func testFirstStepOfEachOptimizer() throws {
        let w = try weights()
        try SGD(learningRate: 0.1).step([("w", w)], gradients: [g])
        assertClose(w, [0.95, -2.1])
        let a = try weights()
        try Adam(learningRate: 0.001).step([("w", a)], gradients: [g])
        assertClose(a, [0.999, -2.001], accuracy: 1e-5)
        let r = try weights()
        try RMSProp(learningRate: 0.001).step([("w", r)], gradients: [g])
        assertClose(r, [1 - 0.001 / Float(0.1).squareRoot(), -2 - 0.001 / Float(0.1).squareRoot()], accuracy: 1e-5)
        let ad = try weights()
        try Adagrad(learningRate: 0.001).step([("w", ad)], gradients: [g])
        assertClose(ad, [1 - 0.000845, -2 - 0.000953], accuracy: 1e-6)
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
