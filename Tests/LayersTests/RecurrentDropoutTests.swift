import Layers
import Tensors
import XCTest

/// `recurrent_dropout` as Keras applies it: in training, one mask `[batch, units]` per call,
/// drawn after the input dropout's, multiplies `h_{t−1}` before `·R` at every step (the same
/// mask for all steps and gates); outside training the layer is unchanged. The fused kernel's
/// outputs are compared with the steps written out (`referenceStep`), the mask redrawn from the
/// same seed. Gradients through the masked kernel are checked by finite differences in
/// `ConformanceTests` (`recurrentMatrix`).
final class RecurrentDropoutTests: XCTestCase {
    /// `[batch, time, units]` from plain loops: `x_t·W + b`, `(h_{t−1} ⊙ m)·R (+ recurrent bias)`.
    func reference(_ l: any RecurrentLayer, _ x: Tensor, mask m: [Float]) -> [Float] {
        let (B, T, F, H) = (x.shape[0], x.shape[1], x.shape[2], l.config.units)
        let w = l.kernel.value.scalars
        let r = l.recurrentKernel.value.scalars
        let gh = w.count / F
        let xs = x.scalars
        let cell: any RecurrentCell = l.cell
        var out: [Float] = []
        for b in 0..<B {
            var hPrev = [Float](repeating: 0, count: H)
            var c = [Float](repeating: 0, count: H)
            for t in 0..<T {
                var xw = l.bias.value.scalars
                var hr = l.recurrentBiasParameter?.value.scalars ?? [Float](repeating: 0, count: gh)
                for k in 0..<gh {
                    for f in 0..<F { xw[k] += xs[(b * T + t) * F + f] * w[f * gh + k] }
                    for j in 0..<H { hr[k] += hPrev[j] * m[b * H + j] * r[j * gh + k] }
                }
                let s = cell.referenceStep(units: H, x: xw, rec: hr, hPrev: hPrev, cPrev: c)
                hPrev = s.hidden
                c = s.cell ?? c
                out += s.hidden
            }
        }
        return out
    }

    func testMaskOnPreviousStateMatchesReferenceAndOnlyInTraining() throws {
        let (B, T, F, H) = (3, 5, 2, 4)
        let rate: Float = 0.5
        var lstm = LSTM.Config()
        var gru = GRU.Config()
        var simple = SimpleRNN.Config()
        (lstm.units, lstm.returnSequences, lstm.recurrentDropout) = (H, true, rate)
        (gru.units, gru.returnSequences, gru.recurrentDropout) = (H, true, rate)
        (simple.units, simple.returnSequences, simple.recurrentDropout) = (H, true, rate)
        let layers: [any RecurrentLayer] = [
            try LSTM(config: lstm), try GRU(config: gru), try SimpleRNN(config: simple),
        ]
        for l in layers {
            var g = SeededGenerator(seed: 4)
            try l.build(inputShape: [T, F], rng: &g)
            let x = rand([B, T, F], seed: 5)
            let type = l.typeName

            var train = ForwardContext(training: true, seed: 11)
            let trained = try l.call(x, context: &train).output.scalars
            var draw = ForwardContext(training: true, seed: 11).rng
            let m = Dropout.mask([B, H], rate: rate, rng: &draw).scalars
            XCTAssertEqual(Set(m), [0, 2], "\(type): a keep-or-drop mask scaled by 1/(1 − rate)")
            assertClose(trained, reference(l, x, mask: m), tol: 1e-5)

            var infer = ForwardContext(training: false, seed: 11)
            let inferred = try l.call(x, context: &infer).output.scalars
            assertClose(inferred, reference(l, x, mask: [Float](repeating: 1, count: B * H)), tol: 1e-5)
            // The first step reads h_0 = 0, so the mask cannot change it; a later step must differ.
            let first = (0..<B).flatMap { b in (0..<H).map { trained[(b * T) * H + $0] } }
            let firstInferred = (0..<B).flatMap { b in (0..<H).map { inferred[(b * T) * H + $0] } }
            assertClose(first, firstInferred, tol: 1e-6)
            XCTAssertGreaterThan(zip(trained, inferred).map { abs($0 - $1) }.max() ?? 0, 1e-3, "\(type)")
        }
    }
}
