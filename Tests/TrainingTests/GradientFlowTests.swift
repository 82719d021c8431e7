import Foundation
import Layers
import Optimizers
import Tensors
import Training
import XCTest

/// The recorded BPTT gradient flow tells vanishing from exploding on a 50-step tanh RNN.
final class GradientFlowTests: XCTestCase {
    func run(recurrentScale: Float, clipping: GradientClipping = .none) throws -> GradientFlowMonitor {
        var g = SeededGenerator(seed: 8)
        let x = Tensor.randomNormal([16, 50, 4], std: 0.1, using: &g)
        let y = Tensor.randomNormal([16, 1], using: &g)
        let model = try Sequential(
            inputShape: [50, 4], layers: [SimpleRNN(units: 16, name: "rnn"), Dense(units: 1)], seed: 3)
        let rnn = model.layer(named: "rnn") as! SimpleRNN
        try rnn.recurrentKernel.assign(rnn.recurrentKernel.value.scaled(by: recurrentScale))
        try rnn.kernel.assign(rnn.kernel.value.scaled(by: 0.1))
        let trainer = Trainer(model: model, loss: MeanSquaredError(), optimizer: SGD(learningRate: 1e-6))
        let monitor = GradientFlowMonitor(every: 1, quiet: true)
        var o = FitOptions()
        o.epochs = 2
        o.batchSize = 8
        o.verbosity = .quiet
        o.metrics = []
        o.clipping = clipping
        o.callbacks = [monitor]
        try trainer.fit(x: x, y: y, options: o)
        return monitor
    }

    func testSmallRecurrentWeightsAreReportedVanishing() throws {
        let m = try run(recurrentScale: 0.4)
        let last = m.layers.last { $0.layer == "rnn" }!
        XCTAssertEqual(last.gradientNorms.count, 50)
        XCTAssertEqual(last.batches, 2)
        XCTAssertLessThan(last.gradientNorms[0] / last.gradientNorms[49], 1e-3)
        XCTAssertTrue(m.summary.contains { $0.hasPrefix("rnn:") && $0.contains("vanishing") }, "\(m.summary)")
        XCTAssertNotNil(last.saturation["hidden"])
    }

    func testLargeRecurrentWeightsWithoutClippingAreReportedExploding() throws {
        let m = try run(recurrentScale: 2.5)
        let last = m.layers.last { $0.layer == "rnn" }!
        XCTAssertGreaterThan(last.gradientNorms[0] / last.gradientNorms[49], 1e3)
        XCTAssertTrue(m.summary.contains { $0.contains("exploding") }, "\(m.summary)")
        XCTAssertEqual(m.clipping.map(\.clipped), [0, 0])
    }

    func testClippingFrequencyIsReported() throws {
        let m = try run(recurrentScale: 2.5, clipping: .globalNorm(1e-6))
        XCTAssertEqual(m.clipping.map(\.clipped), [2, 2])
        XCTAssertTrue(m.summary.contains("clipping fired on 100% of steps"), "\(m.summary)")
        XCTAssertEqual(m.clipping[0].meanNormAfter, 1e-6, accuracy: 1e-9)
    }

    func testNoProbeNoRecordsAndNoCost() throws {
        var g = SeededGenerator(seed: 1)
        let l = try LSTM(units: 3, name: "l")
        try l.build(inputShape: [4, 2], rng: &g)
        var ctx = ForwardContext(training: true)
        let x = Tensor.randomNormal([2, 4, 2], using: &g).requiringGrad()
        _ = try gradients(of: l.forward(x, context: &ctx).sum(), wrt: [x])
        let probe = RecurrentProbe()
        ctx.probe = probe
        _ = try gradients(of: l.forward(x, context: &ctx).sum(), wrt: [x])
        let r = probe.drain()
        XCTAssertEqual(r.map(\.layer), ["l"])
        XCTAssertEqual(r[0].gradientNorms.count, 4)
        XCTAssertEqual(Set(r[0].saturation.keys), ["input", "forget", "candidate", "output"])
    }

    /// Masked padding carries no gradient: the verdict compares the first and last steps that do,
    /// not a padded step (which read as infinitely exploding after the text, vanishing before it).
    func testPaddedStepsAreLeftOutOfTheVerdict() {
        func verdict(_ norms: [Double]) -> String {
            GradientFlowMonitor.verdicts(
                layers: [
                    GradientFlowMonitor.LayerEpoch(
                        layer: "lstm_1", epoch: 1, gradientNorms: norms, saturation: [:], batches: 1)
                ],
                clipping: [], layerTypes: ["lstm_1": "LSTM"])[0]
        }
        XCTAssertEqual(verdict([0.2, 0.3, 0.5, 0, 0]), "lstm_1: gradient at step 1 is 0.4 of step 3 — flowing")
        XCTAssertEqual(verdict([0, 0, 0.2, 0.3, 0.5]), "lstm_1: gradient at step 3 is 0.4 of step 5 — flowing")
        XCTAssertTrue(verdict([1e-6, 0.1, 1, 0]).contains("step 1 is 1e-06 of step 3 — vanishing"))
        XCTAssertTrue(verdict([5e4, 1, 10, 0, 0]).contains("exploding"))
    }
}
