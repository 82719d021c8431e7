import Layers
import PluginRegistry
import Tensors
import XCTest

/// `AttentionLSTM`: finite differences for every parameter and input (with both masks), the
/// equations checked against `LSTM` and `Attention` run step by step, masks, and config.
final class AttentionLSTMTests: XCTestCase {
    let (b, t, f, s, h, a) = (2, 3, 4, 5, 3, 2)

    func inputs(_ rng: inout SeededGenerator) throws -> (
        x: Tensor, memory: Tensor, mMask: Tensor, h0: Tensor, c0: Tensor
    ) {
        (
            Tensor.randomUniform([b, t, f], low: -1, high: 1, using: &rng),
            Tensor.randomUniform([b, s, h], low: -1, high: 1, using: &rng),
            try Tensor(shape: [b, s], scalars: [1, 1, 1, 0, 0, 1, 1, 1, 1, 1]),
            Tensor.randomUniform([b, h], low: -1, high: 1, using: &rng),
            Tensor.randomUniform([b, h], low: -1, high: 1, using: &rng)
        )
    }

    func decoder(_ score: Attention.Score, feeding: Bool = true, attentionUnits: Int = 2) throws -> AttentionLSTM {
        var c = AttentionLSTM.Config()
        (c.units, c.score, c.inputFeeding, c.attentionUnits) = (h, score, feeding, attentionUnits)
        let d = try AttentionLSTM(config: c, name: "dec")
        var rng = SeededGenerator(seed: 4)
        try d.build(inputShapes: [[t, f], [s, h]], rng: &rng)
        return d
    }

    /// The tape's gradients of x, the memory, h₀, c₀ and every parameter match central
    /// differences, for each score, with a padded memory and a padded last target step.
    func testGradientsMatchFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 8)
        let (x, memory, mMask, h0, c0) = try inputs(&rng)
        let sequenceMask = try Tensor(shape: [b, t], scalars: [1, 1, 1, 1, 1, 0])
        for score in Attention.Score.allCases {
            let d = try decoder(score)
            let params = d.namedParameters.map(\.parameter)
            XCTAssertEqual(params.count, [.dot: 5, .general: 6, .additive: 8][score])
            let report = try GradientCheck.check([x, memory, h0, c0] + params.map(\.value), epsilon: 5e-3) { v in
                for (p, value) in zip(params, v.dropFirst(4)) { p.bind(value) }
                var ctx = ForwardContext(training: true, mask: sequenceMask)
                let (y, states) = try d.forwardWithStates(
                    v[0], memories: [(v[1], mMask)], initialState: [v[2], v[3]], context: &ctx)
                // the final states take part too (an encoder–decoder's next stage may read them)
                return try Tensor.concat([y.reshaped([b, t * a]), states[0], states[1], states[2]], axis: 1)
            }
            XCTAssertLessThan(report.maxError, 1e-2, "\(score): \(report)")
        }
    }

    /// Each step equals an `LSTM` step on `[x_t ; h̃_{t−1}]` (kernel and feed kernel stacked),
    /// then `Attention` over the memory and `tanh([h ; ctx] · attention_kernel)`.
    func testEqualsLSTMThenAttentionStepByStep() throws {
        var rng = SeededGenerator(seed: 9)
        let (x, memory, mMask, h0, c0) = try inputs(&rng)
        let d = try decoder(.general)
        let lstm = try LSTM(units: h)
        try lstm.build(inputShape: [1, f + a], rng: &rng)
        try lstm.kernel.assign(try Tensor.concat([d.kernel.value, d.feedKernel.value], axis: 0))
        try lstm.recurrentKernel.assign(d.recurrentKernel.value)
        try lstm.bias.assign(d.bias.value)
        var ctx = ForwardContext(training: false)
        let (y, states) = try d.forwardWithStates(
            x, memories: [(memory, mMask)], initialState: [h0, c0], context: &ctx)
        XCTAssertEqual(y.shape, [b, t, a])
        var (hs, cs, fed) = (h0, c0, Tensor.zeros([b, a]))
        for step in 0..<t {
            let xt = try x.slice(axis: 1, start: step, length: 1)
            let r = try lstm.call(
                try Tensor.concat([xt, fed.reshaped([b, 1, a])], axis: 2), initialState: [hs, cs], context: &ctx)
            (hs, cs) = (r.states[0], r.states[1])
            let c = try d.attention.forward([hs.reshaped([b, 1, h]), memory], masks: [nil, mMask], context: &ctx)
            fed = try Tensor.matmul(try Tensor.concat([hs, c.reshaped([b, h])], axis: 1), d.attentionKernel.value)
                .tanh()
            let got = try y.slice(axis: 1, start: step, length: 1).scalars
            for (g, want) in zip(got, fed.scalars) { XCTAssertEqual(g, want, accuracy: 1e-5, "step \(step)") }
        }
        for (state, want) in zip(states, [hs, cs, fed]) {
            for (g, w) in zip(state.scalars, want.scalars) { XCTAssertEqual(g, w, accuracy: 1e-5) }
        }
        // The attention weights of every step, [batch, time, S], none on the padded memory steps.
        let w = try XCTUnwrap(d.lastWeights)
        XCTAssertEqual(w.shape, [b, t, s])
        for step in 0..<t { XCTAssertEqual(w.scalars[step * s + 3] + w.scalars[step * s + 4], 0, accuracy: 1e-7) }
        XCTAssertEqual(w.scalars[0..<s].reduce(0, +), 1, accuracy: 1e-5)
    }

    /// Without input feeding the layer is LSTM(return_sequences) → Attention → tanh dense.
    func testWithoutInputFeedingIsTheLuongStackOfLayers() throws {
        var rng = SeededGenerator(seed: 10)
        let (x, memory, mMask, _, _) = try inputs(&rng)
        let d = try decoder(.dot, feeding: false)
        XCTAssertEqual(d.feedKernel.count, 0)
        let lstm = try LSTM(units: h, returnSequences: true)
        try lstm.build(inputShape: [t, f], rng: &rng)
        for (p, q) in [(lstm.kernel, d.kernel), (lstm.recurrentKernel, d.recurrentKernel), (lstm.bias, d.bias)] {
            try p.assign(q.value)
        }
        var ctx = ForwardContext(training: false)
        let y = try d.forwardWithStates(x, memories: [(memory, mMask)], initialState: nil, context: &ctx).output
        let hs = try lstm.forward(x, context: &ctx)
        let c = try Attention(score: .dot).forward([hs, memory], masks: [nil, mMask], context: &ctx)
        let want = try Tensor.concat([hs, c], axis: 2).matmulLastAxis(d.attentionKernel.value).tanh()
        for (g, w) in zip(y.scalars, want.scalars) { XCTAssertEqual(g, w, accuracy: 1e-5) }
    }

    /// Padded memory steps do not change anything; a padded target step repeats the output and
    /// states of the step before.
    func testMasks() throws {
        var rng = SeededGenerator(seed: 11)
        let (x, memory, mMask, h0, c0) = try inputs(&rng)
        let d = try decoder(.additive)
        var changed = memory
        changed.withUnsafeMutableBufferPointer { p in for j in 3..<5 { for k in 0..<h { p[j * h + k] = 7 } } }
        let sequenceMask = try Tensor(shape: [b, t], scalars: [1, 1, 0, 1, 1, 1])
        var ctx = ForwardContext(training: false, mask: sequenceMask)
        let one = try d.forwardWithStates(x, memories: [(memory, mMask)], initialState: [h0, c0], context: &ctx)
        ctx.mask = sequenceMask
        let two = try d.forwardWithStates(x, memories: [(changed, mMask)], initialState: [h0, c0], context: &ctx)
        XCTAssertEqual(one.output.scalars, two.output.scalars)
        XCTAssertEqual(ctx.mask?.scalars, sequenceMask.scalars, "the output keeps the sequence's mask")
        let y = one.output.scalars
        for k in 0..<a { XCTAssertEqual(y[2 * a + k], y[1 * a + k], "example 0's padded step 3 repeats step 2") }
        XCTAssertNotEqual(y[(t + 2) * a], y[(t + 1) * a], "example 1's step 3 is real")
        XCTAssertEqual(Array(one.states[2].scalars[0..<a]), Array(y[a..<(2 * a)]))
    }

    func testShapesConfigAndRegistration() throws {
        let registry = try Registry(modules: [LayersPlugins.self])
        let made = try registry.make(
            .layer, "AttentionLSTM",
            config: ["units": 4, "attention_units": 6, "score": "general", "input_feeding": true],
            instanceName: "dec", as: (any Layer).self)
        let d = try XCTUnwrap(made as? AttentionLSTM)
        XCTAssertEqual(try d.outputShape(forInputs: [[7, 5], [9, 4]]), [7, 6])
        XCTAssertThrowsError(try d.outputShape(forInputs: [[7, 5], [9, 3]])) { e in
            XCTAssertTrue("\(e)".contains("must equal units (4)"), "\(e)")
        }
        XCTAssertThrowsError(try d.outputShape(for: [7, 5])) { e in
            XCTAssertTrue("\(e)".contains("memory"), "\(e)")
        }
        var rng = SeededGenerator(seed: 1)
        try d.build(inputShapes: [[7, 5], [9, 4]], rng: &rng)
        // kernel 5·16, feed 6·16, recurrent 4·16, bias 16, attention 8·6, general score 4·4
        XCTAssertEqual(d.parameterCount, 80 + 96 + 64 + 16 + 48 + 16)
        XCTAssertEqual(
            Set(d.namedParameters.map(\.name)),
            [
                "dec.kernel", "dec.feed_kernel", "dec.recurrent_kernel", "dec.bias", "dec.attention_kernel",
                "dec.attention.kernel",
            ])
        XCTAssertEqual(Array(d.bias.value.scalars[4..<8]), [1, 1, 1, 1], "forget bias 1")
        XCTAssertEqual(try d.stateShapes(for: [7, 5]), [[4], [4], [6]])
        XCTAssertEqual(d.stepping, .recurrent)
        let json = try d.configJSON()
        let again = try AttentionLSTM(config: try LayerConfigCoding.decode(AttentionLSTM.Config.self, json: json))
        XCTAssertEqual(again.config.attentionUnits, 6)
        XCTAssertEqual(again.config.score, .general)
        XCTAssertThrowsError(try registry.make(.layer, "AttentionLSTM", config: ["units": 0], as: (any Layer).self))
        XCTAssertThrowsError(
            try registry.make(.layer, "AttentionLSTM", config: ["units": 2, "dropout": 1], as: (any Layer).self))
    }
}
