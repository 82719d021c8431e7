import Layers
import Optimizers
import Tensors
import XCTest

/// Clipping against the exploding gradients of a 50-step tanh RNN with large recurrent weights.
final class ExplodingClippingTests: XCTestCase {
    func testGlobalNormClippingBoundsExplodingRNNGradient() throws {
        let l = try SimpleRNN(units: 16, name: "rnn")
        var g = SeededGenerator(seed: 21)
        try l.build(inputShape: [50, 4], rng: &g)
        try l.recurrentKernel.assign(l.recurrentKernel.value.scaled(by: 1.5))
        try l.kernel.assign(l.kernel.value.scaled(by: 0.1))
        let x = Tensor.randomNormal([1, 50, 4], std: 0.1, using: &g)
        var ctx = ForwardContext(training: false)
        let loss = try l.forward(x, context: &ctx).sum()
        var grads = try gradients(of: loss, wrt: l.namedParameters.map(\.parameter.value))
        let report = GradientClipping.globalNorm(1).apply(&grads)
        XCTAssertGreaterThan(report.normBefore, 10)  // exploded
        XCTAssertEqual(report.normAfter, 1, accuracy: 1e-4)  // bounded exactly
        XCTAssertEqual(GradientClipping.globalNorm(grads), 1, accuracy: 1e-4)
    }
}
