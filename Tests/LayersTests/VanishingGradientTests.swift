import Layers
import Tensors
import XCTest

/// The notes' vanishing/exploding gradient argument, measured: the gradient reaching step 1 of a
/// 50-step tanh RNN is a product of 49 factors `W·diag(f′)`.
final class VanishingGradientTests: XCTestCase {
    /// ‖∂L/∂x_1‖ for a loss on the last step only, with recurrent kernel `scale·Q` (Q orthogonal).
    func gradientAtFirstStep(scale: Float, steps: Int = 50) throws -> (first: Float, last: Float) {
        let l = try SimpleRNN(units: 16, returnSequences: false)
        var g = SeededGenerator(seed: 21)
        try l.build(inputShape: [steps, 4], rng: &g)
        try l.recurrentKernel.assign(l.recurrentKernel.value.scaled(by: scale))
        try l.kernel.assign(l.kernel.value.scaled(by: 0.1))  // keep tanh out of saturation
        let x = Tensor.randomNormal([1, steps, 4], std: 0.1, using: &g).requiringGrad()
        var ctx = ForwardContext(training: false)
        let loss = try l.forward(x, context: &ctx).sum()
        let dx = try gradients(of: loss, wrt: [x])[0]
        func norm(_ t: Int) throws -> Float {
            (try dx.slice(axis: 1, start: t, length: 1).squared().sum().scalar!).squareRoot()
        }
        return (try norm(0), try norm(steps - 1))
    }

    func testSmallRecurrentWeightsVanishLargeOnesExplode() throws {
        let small = try gradientAtFirstStep(scale: 0.5)
        XCTAssertLessThan(small.first / small.last, 1e-10)  // ~0.5⁴⁹
        let large = try gradientAtFirstStep(scale: 1.5)
        XCTAssertGreaterThan(large.first / large.last, 1e3)  // grows while tanh stays linear-ish
    }
}
