import Layers
import Tensors
import XCTest

@testable import Optimizers

/// Each optimizer's first three updates on p = [1, −2] with constant gradient g = [0.5, −1],
/// against the formulas written out by hand below.
/// p = [1, −2] after each of `steps` updates with the constant gradient `g`.
func optimizerSteps(_ opt: Optimizer, steps: Int = 3, gradient g: Tensor = Tensor([0.5, -1])) throws -> [[Float]] {
    let p = Parameter()
    try p.assign(Tensor([1, -2]), checkShape: false)
    var out: [[Float]] = []
    for _ in 0..<steps {
        try opt.step([("w", p)], gradients: [g])
        out.append(p.value.scalars)
    }
    return out
}

func assertSteps(
    _ got: [[Float]], _ want: [[Double]], tol: Float = 1e-6, file: StaticString = #filePath, line: UInt = #line
) {
    for (a, b) in zip(got, want) {
        for (x, y) in zip(a, b) { XCTAssertEqual(x, Float(y), accuracy: tol, file: file, line: line) }
    }
}

final class OptimizerUpdateTests: XCTestCase {
    func run(_ opt: Optimizer, steps: Int = 3) throws -> [[Float]] { try optimizerSteps(opt, steps: steps) }

    func testSGDPlainMomentumNesterov() throws {
        // plain: p −= 0.1·g → [0.95, −1.9], [0.9, −1.8], [0.85, −1.7]
        assertSteps(try run(SGD(learningRate: 0.1)), [[0.95, -1.9], [0.9, -1.8], [0.85, -1.7]])
        // momentum 0.9: v = g, 1.9g, 2.71g; p = 1 − 0.1·0.5·(1, 2.9, 5.61)
        assertSteps(
            try run(SGD(learningRate: 0.1, momentum: 0.9)),
            [[1 - 0.05, -2 + 0.1], [1 - 0.05 * 2.9, -2 + 0.1 * 2.9], [1 - 0.05 * 5.61, -2 + 0.1 * 5.61]])
        // Nesterov: step uses g + μv: (1 + 0.9)g, (1 + 0.9·1.9)g, (1 + 0.9·2.71)g → cumulative 1.9, 4.61, 8.049
        assertSteps(
            try run(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)),
            [
                [1 - 0.05 * 1.9, -2 + 0.1 * 1.9], [1 - 0.05 * 4.61, -2 + 0.1 * 4.61],
                [1 - 0.05 * 8.049, -2 + 0.1 * 8.049],
            ], tol: 2e-6)
    }

    func testAdam() throws {
        // With a constant g, m̂ = g and v̂ = g² at every step, so each step moves p by
        // lr·g/(|g| + ε) = lr·sign(g)·|g|/(|g| + ε).
        let lr = 0.01
        let e = 1e-7
        let s0 = lr * 0.5 / (0.5 + e)
        let s1 = lr * 1 / (1 + e)
        assertSteps(
            try run(Adam(learningRate: 0.01)),
            [[1 - s0, -2 + s1], [1 - 2 * s0, -2 + 2 * s1], [1 - 3 * s0, -2 + 3 * s1]])
        // AMSGrad: v increases monotonically for constant g, so vmax = v: same steps.
        assertSteps(
            try run(Adam(learningRate: 0.01, amsgrad: true)),
            [[1 - s0, -2 + s1], [1 - 2 * s0, -2 + 2 * s1], [1 - 3 * s0, -2 + 3 * s1]])
    }

    func testAdamWithVaryingGradientAgainstFormula() throws {
        let p = Parameter()
        try p.assign(Tensor([0]), checkShape: false)
        let opt = Adam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
        var m = 0.0
        var v = 0.0
        var x = 0.0
        for (t, g) in [1.0, -2.0, 3.0].enumerated() {
            try opt.step([("x", p)], gradients: [Tensor([Float(g)])])
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mh = m / (1 - pow(0.9, Double(t + 1)))
            let vh = v / (1 - pow(0.999, Double(t + 1)))
            x -= 0.1 * mh / (vh.squareRoot() + 1e-7)
            XCTAssertEqual(p.value.scalars[0], Float(x), accuracy: 1e-6)
        }
    }

    func testRMSPropAndAdagrad() throws {
        // RMSProp ρ=0.9: s₁ = 0.1g², s₂ = 0.19g², s₃ = 0.271g²; step lr·g/√s = lr·sign(g)/√(0.1, 0.19, 0.271)
        let r = [0.1, 0.19, 0.271].map { 0.01 / $0.squareRoot() }
        assertSteps(
            try run(RMSProp(learningRate: 0.01, epsilon: 0)),
            [
                [1 - r[0], -2 + r[0]], [1 - r[0] - r[1], -2 + r[0] + r[1]],
                [1 - r[0] - r[1] - r[2], -2 + r[0] + r[1] + r[2]],
            ], tol: 2e-6)
        // Adagrad a₀ = 0.1: a = 0.1 + k·g²; step lr·g/√a
        func ada(_ g: Double) -> [Double] { (1...3).map { k in 0.1 * g / (0.1 + Double(k) * g * g).squareRoot() } }
        let a0 = ada(0.5)
        let a1 = ada(1)
        assertSteps(
            try run(Adagrad(learningRate: 0.1, epsilon: 0)),
            [
                [1 - a0[0], -2 + a1[0]], [1 - a0[0] - a0[1], -2 + a1[0] + a1[1]],
                [1 - a0[0] - a0[1] - a0[2], -2 + a1[0] + a1[1] + a1[2]],
            ], tol: 2e-6)
    }

    func testDecoupledWeightDecay() throws {
        // p ← p(1 − lr·λ) − lr·g with SGD: 1·(1 − 0.1·0.5) − 0.05 = 0.9
        assertSteps(try run(SGD(learningRate: 0.1, weightDecay: 0.5), steps: 1), [[0.9, -2 * 0.95 + 0.1]])
    }

    func testStateRoundTripResumesIdentically() throws {
        let a = Adam(learningRate: 0.01)
        let p = Parameter()
        try p.assign(Tensor([1, 2]), checkShape: false)
        try a.step([("w", p)], gradients: [Tensor([0.3, -0.1])])
        let b = Adam(learningRate: 0.01)
        try b.restore(state: a.state, iterations: a.iterations)
        let q = Parameter()
        try q.assign(p.value, checkShape: false)
        try a.step([("w", p)], gradients: [Tensor([0.2, 0.4])])
        try b.step([("w", q)], gradients: [Tensor([0.2, 0.4])])
        XCTAssertEqual(p.value.scalars, q.value.scalars)
        XCTAssertEqual(Set(a.state.keys), ["w.m", "w.v"])
    }

    func testMismatchedGradientThrows() throws {
        let p = Parameter()
        try p.assign(Tensor([1, 2]), checkShape: false)
        XCTAssertThrowsError(try SGD().step([("w", p)], gradients: [Tensor([1])])) { e in
            XCTAssertTrue("\(e)".contains("w"))
        }
        XCTAssertThrowsError(try SGD().step([("w", p)], gradients: []))
    }
}

final class ClippingAndScheduleTests: XCTestCase {
    func testGlobalNormClippingBoundsExactlyAndKeepsDirection() {
        var g = [Tensor([3, 4]), Tensor([12])]  // global norm 13
        let r = GradientClipping.globalNorm(5).apply(&g)
        XCTAssertEqual(r.normBefore, 13, accuracy: 1e-5)
        XCTAssertEqual(GradientClipping.globalNorm(g), 5, accuracy: 1e-5)
        XCTAssertTrue(r.clipped)
        XCTAssertEqual(g[0].scalars[0] / g[0].scalars[1], 0.75, accuracy: 1e-6)
        var small = [Tensor([0.1])]
        XCTAssertFalse(GradientClipping.globalNorm(5).apply(&small).clipped)
    }

    func testValueAndPerParameterNorm() {
        var g = [Tensor([3, -4, 0.5])]
        GradientClipping.value(1).apply(&g)
        XCTAssertEqual(g[0].scalars, [1, -1, 0.5])
        var h = [Tensor([3, 4]), Tensor([0.3, 0.4])]
        GradientClipping.norm(1).apply(&h)
        XCTAssertEqual(GradientClipping.globalNorm([h[0]]), 1, accuracy: 1e-6)
        XCTAssertEqual(h[1].scalars, [0.3, 0.4])
    }

    func testSchedules() {
        XCTAssertEqual(LearningRateSchedule(initial: 0.1).rate(at: 1000), 0.1)
        let step = LearningRateSchedule(initial: 1, kind: .stepDecay(factor: 0.5, every: 10))
        XCTAssertEqual([0, 9, 10, 25].map(step.rate), [1, 1, 0.5, 0.25])
        let exp = LearningRateSchedule(initial: 1, kind: .exponential(rate: 0.1, steps: 100))
        XCTAssertEqual(exp.rate(at: 100), 0.1, accuracy: 1e-6)
        XCTAssertEqual(exp.rate(at: 50), Float(0.1).squareRoot(), accuracy: 1e-6)
        let cos = LearningRateSchedule(initial: 1, kind: .cosine(steps: 100, minFraction: 0.1))
        XCTAssertEqual(cos.rate(at: 0), 1, accuracy: 1e-6)
        XCTAssertEqual(cos.rate(at: 50), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cos.rate(at: 500), 0.1, accuracy: 1e-6)
        let warm = LearningRateSchedule(initial: 1, kind: .stepDecay(factor: 0.5, every: 10), warmupSteps: 4)
        XCTAssertEqual([0, 1, 3, 4, 14].map(warm.rate), [0.25, 0.5, 1, 1, 0.5])
    }
}
