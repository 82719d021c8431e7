import Layers
import PluginRegistry
import Tensors
import XCTest

final class RecurrentBehaviourTests: XCTestCase {
    func built<L: Layer>(_ l: L, _ shape: [Int], seed: UInt64 = 1) throws -> L {
        var g = SeededGenerator(seed: seed)
        try l.build(inputShape: shape, rng: &g)
        return l
    }

    func testKerasParameterCounts() throws {
        // Embedding(1001,128) → LSTM(64) → Dense(64, relu) → Dense(1, sigmoid): 181,761
        let e = try built(Embedding(inputDim: 1001, outputDim: 128), [100])
        let l = try built(LSTM(units: 64), [100, 128])
        let d1 = try built(Dense(units: 64, activation: .relu), [64])
        let d2 = try built(Dense(units: 1, activation: .sigmoid), [64])
        XCTAssertEqual(
            [e.parameterCount, l.parameterCount, d1.parameterCount, d2.parameterCount], [128_128, 49_408, 4_160, 65])
        XCTAssertEqual(e.parameterCount + l.parameterCount + d1.parameterCount + d2.parameterCount, 181_761)
        // SimpleRNN(100) on 300-d inputs → Dense(3): 40,403
        let r = try built(SimpleRNN(units: 100), [20, 300])
        let d = try built(Dense(units: 3), [100])
        XCTAssertEqual(r.parameterCount + d.parameterCount, 40_403)
        XCTAssertEqual(l.namedParameters.map(\.name), [".kernel", ".recurrent_kernel", ".bias"].map { l.name + $0 })
    }

    func testKerasInitialisers() throws {
        let l = try built(LSTM(units: 8, name: "lstm_1"), [5, 3])
        XCTAssertEqual(l.namedParameters.map(\.name), ["lstm_1.kernel", "lstm_1.recurrent_kernel", "lstm_1.bias"])
        let b = l.bias.value.scalars
        XCTAssertEqual(Array(b[0..<8]), [Float](repeating: 0, count: 8))
        XCTAssertEqual(Array(b[8..<16]), [Float](repeating: 1, count: 8))  // forget gate
        XCTAssertEqual(Array(b[16..<32]), [Float](repeating: 0, count: 16))
        let r = l.recurrentKernel.value
        let rrT = try Tensor.matmul(r, r, transposeB: true)  // rows orthonormal
        var eye = [Float](repeating: 0, count: 64)
        for i in 0..<8 { eye[i * 8 + i] = 1 }
        assertClose(rrT.scalars, eye, tol: 1e-4)
        let limit = (6.0 / Float(3 + 32)).squareRoot()
        XCTAssertTrue(l.kernel.value.scalars.allSatisfy { abs($0) <= limit })
    }

    func testPaddedStepLeavesStateUnchanged() throws {
        for make in [
            { try LSTM(units: 3, returnSequences: true) as any RecurrentLayer },
            { try GRU(units: 3, returnSequences: true) }, { try SimpleRNN(units: 3, returnSequences: true) },
        ] {
            let l = try make()
            var g = SeededGenerator(seed: 2)
            try l.build(inputShape: [4, 2], rng: &g)
            let x = rand([1, 4, 2], seed: 3)
            let mask = try Tensor(shape: [1, 4], scalars: [1, 1, 0, 0])
            var ctx = ForwardContext(training: false, mask: mask)
            let full = try l.call(x, context: &ctx)
            var ctx2 = ForwardContext(training: false)
            let short = try l.call(x.slice(axis: 1, start: 0, length: 2), context: &ctx2)
            assertClose(full.states[0].scalars, short.states[0].scalars, tol: 1e-6)
            let seq = full.output
            assertClose(
                try seq.slice(axis: 1, start: 3, length: 1).scalars,
                try seq.slice(axis: 1, start: 1, length: 1).scalars, tol: 0)
            if full.states.count == 2 { assertClose(full.states[1].scalars, short.states[1].scalars, tol: 1e-6) }
        }
    }

    /// Steps padded in every row of a thread's part of the batch are skipped (no products): the
    /// final states and all gradients must equal running each row alone on its unpadded steps.
    /// Two threads: rows 0–8 (lengths ≤ 4) and 9–17 (≤ 7) of 9 steps, so steps 4–6 are padding
    /// in one part only and 7–8 in both; the backwards layer meets its padding first.
    func testStepsPaddedInEveryRowEqualEachRowAlone() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 2
        let lengths = [1, 4, 2, 3, 4, 1, 2, 3, 4, 7, 5, 6, 2, 7, 3, 6, 4, 5]
        let (B, T, F) = (lengths.count, 9, 3)
        let mask = try Tensor(shape: [B, T], scalars: (0..<B * T).map { $0 % T < lengths[$0 / T] ? 1 : 0 })
        for make in [
            { try LSTM(units: 16) as any RecurrentLayer }, { try GRU(units: 5) },
            { try SimpleRNN(units: 16, goBackwards: true) }, { try LSTM(units: 5, goBackwards: true) },
        ] {
            let l = try make()
            var g = SeededGenerator(seed: 6)
            try l.build(inputShape: [T, F], rng: &g)
            let params = l.namedParameters.map(\.parameter.value)
            let x = rand([B, T, F], seed: 2).requiringGrad()
            let w = rand([B, l.config.units], seed: 3)
            var ctx = ForwardContext(training: false, mask: mask)
            let out = try l.call(x, context: &ctx)
            let batched =
                try [out.output.scalars] + gradients(of: (out.output * w).sum(), wrt: [x] + params).map(\.scalars)
            var alone = [[Float]](repeating: [], count: 1)
            var dx = [Float](repeating: 0, count: B * T * F)
            var dParams = params.map { [Float](repeating: 0, count: $0.count) }
            for b in 0..<B {
                let xb = try x.slice(axis: 0, start: b, length: 1).slice(axis: 1, start: 0, length: lengths[b])
                    .detached().requiringGrad()
                var c = ForwardContext(training: false)
                let y = try l.call(xb, context: &c).output
                alone[0] += y.scalars
                let gs = try gradients(of: (y * w.slice(axis: 0, start: b, length: 1)).sum(), wrt: [xb] + params)
                for (i, v) in gs[0].scalars.enumerated() { dx[b * T * F + i] += v }
                for k in params.indices { for (i, v) in gs[k + 1].scalars.enumerated() { dParams[k][i] += v } }
            }
            for (a, b) in zip(batched, alone + [dx] + dParams) { assertClose(a, b, tol: 1e-5) }
        }
    }

    /// The layer's output and the gradients of a random weighting of it w.r.t. `x` and every parameter.
    func outputAndGradients(_ l: any RecurrentLayer, _ x: Tensor, mask: Tensor, weightsSeed: UInt64) throws -> [[Float]]
    {
        var ctx = ForwardContext(training: false, mask: mask)
        let y = try l.call(x, context: &ctx).output
        let loss = try (y * rand(y.shape, seed: weightsSeed)).sum()
        let grads = try gradients(of: loss, wrt: [x] + l.namedParameters.map(\.parameter.value))
        return [y.scalars] + grads.map(\.scalars)
    }

    /// The kernel splits the batch over threads; outputs and all gradients must not depend on it.
    func testThreadCountDoesNotChangeOutputsOrGradients() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        // Units 5: OpenBLAS per step; 16 and 50: the tiled products (`BLAS.tiledWidth`; 50 padded to 64).
        for make in [
            { try LSTM(units: 5, returnSequences: true) as any RecurrentLayer },
            { try GRU(units: 5, returnSequences: true) }, { try SimpleRNN(units: 5, returnSequences: true) },
            { try LSTM(units: 16, returnSequences: true) }, { try SimpleRNN(units: 16, returnSequences: true) },
            { try GRU(units: 50, returnSequences: true) },
        ] {
            let l = try make()
            var g = SeededGenerator(seed: 4)
            try l.build(inputShape: [6, 3], rng: &g)
            let x = rand([19, 6, 3], seed: 8).requiringGrad()
            let mask = try Tensor(shape: [19, 6], scalars: (0..<114).map { $0 % 5 == 4 ? 0 : 1 })
            let results = try [1, 2, 3].map { threads in
                BLAS.threadCount = threads
                return try outputAndGradients(l, x, mask: mask, weightsSeed: 9)
            }
            for r in results.dropFirst() { for (a, b) in zip(r, results[0]) { assertClose(a, b, tol: 1e-5) } }
        }
    }

    /// Each layer built and run on the same masked batch with a switch off and on (2 threads):
    /// the outputs and gradients of both, per layer.
    func switchedRuns(_ layers: [() throws -> any RecurrentLayer], _ set: (Bool) -> Void) throws -> [[[[Float]]]] {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 2
        return try layers.map { make in
            let l = try make()
            var g = SeededGenerator(seed: 5)
            try l.build(inputShape: [7, 3], rng: &g)
            let x = rand([18, 7, 3], seed: 6).requiringGrad()
            let mask = try Tensor(shape: [18, 7], scalars: (0..<126).map { $0 % 6 == 5 ? 0 : 1 })
            return try [false, true].map { on in
                set(on)
                return try outputAndGradients(l, x, mask: mask, weightsSeed: 7)
            }
        }
    }

    /// The tiled per-step products (`BLAS.sgemmTiled`) and OpenBLAS's give the same outputs and
    /// gradients up to rounding, with a mask and 2 threads (widths 16 and 64 take the tiled path,
    /// 100 and GRU 3·50 padded).
    func testTiledAndOpenBLASStepProductsAgree() throws {
        defer { BLAS.useTiledStepProducts = true }
        let runs = try switchedRuns(
            [
                { try LSTM(units: 16, returnSequences: true) }, { try GRU(units: 16, returnSequences: true) },
                { try SimpleRNN(units: 64, returnSequences: true) },
                { try SimpleRNN(units: 100, returnSequences: true) },
                { try GRU(units: 50, returnSequences: true) },
            ]
        ) { BLAS.useTiledStepProducts = $0 }
        for results in runs {
            for (a, b) in zip(results[1], results[0]) { assertClose(a, b, tol: 1e-4) }
        }
    }

    /// `B` of the tiled per-step products stored at the padded row stride (`BLAS.tiledStride`) or
    /// the plain one: the same bits (widths 32, 96 and 128 are an even number of vectors: padded).
    func testPaddedAndPlainStridesGiveTheSameBits() throws {
        defer { BLAS.padTiledStrides = nil }
        BLAS.padTiledStrides = false
        XCTAssertEqual(BLAS.tiledStride(128, rows: 18), 128)
        BLAS.padTiledStrides = true
        XCTAssertEqual(BLAS.tiledStride(128, rows: 18), 144)
        XCTAssertEqual(BLAS.tiledStride(112, rows: 18), 112)  // 7 vectors: already odd
        XCTAssertEqual(BLAS.tiledStride(128, rows: 1), 128)  // batch-1 inference keeps B as it is
        let runs = try switchedRuns(
            [
                { try LSTM(units: 32, returnSequences: true) }, { try GRU(units: 32, returnSequences: true) },
                { try SimpleRNN(units: 32, returnSequences: true) },
            ]
        ) { BLAS.padTiledStrides = $0 }
        for results in runs { XCTAssertEqual(results[0], results[1]) }
    }

    func testGoBackwardsEqualsReversedInput() throws {
        let l = try built(GRU(units: 3, returnSequences: true, goBackwards: true), [5, 2])
        let f = try GRU(units: 3, returnSequences: true)
        var g = SeededGenerator(seed: 1)
        try f.build(inputShape: [5, 2], rng: &g)
        let x = rand([2, 5, 2], seed: 4)
        var c1 = ForwardContext(training: false)
        var c2 = ForwardContext(training: false)
        assertClose(
            try l.forward(x, context: &c1).scalars, try f.forward(x.reversed(axis: 1), context: &c2).scalars, tol: 1e-6)
    }

    func testInitialStateGradientsAndReturnState() throws {
        let l = try built(LSTM(units: 2, returnSequences: false), [3, 2])
        let x = rand([2, 3, 2], seed: 5)
        let report = try GradientCheck.check([rand([2, 2], seed: 6), rand([2, 2], seed: 7)]) { s in
            var ctx = ForwardContext(training: false)
            let out = try l.call(x, initialState: s, context: &ctx)
            return try Tensor.concat([out.output, out.states[1]], axis: 1)  // uses h and the final c
        }
        XCTAssertLessThan(report.maxError, 1e-2, "\(report)")
        var ctx = ForwardContext(training: false)
        XCTAssertThrowsError(try l.call(x, initialState: [Tensor.zeros([2, 2])], context: &ctx))
    }

    func testStatefulCarriesStateAcrossBatchesAndResets() throws {
        let l = try built(SimpleRNN(units: 3, stateful: true), [2, 2])
        let x = rand([1, 2, 2], seed: 8)
        var ctx = ForwardContext(training: false)
        let first = try l.forward(x, context: &ctx).scalars
        let second = try l.forward(x, context: &ctx).scalars
        XCTAssertNotEqual(first, second)
        try l.resetStates()
        XCTAssertEqual(try l.forward(x, context: &ctx).scalars, first)
        XCTAssertThrowsError(try l.forward(rand([2, 2, 2], seed: 9), context: &ctx))  // batch changed mid-stream
    }

    /// Truncated BPTT equals full BPTT through a model that detaches the state every k steps.
    func testTruncatedBPTTMatchesDetachedChunksReference() throws {
        let k = 2
        let steps = 6
        let trunc = try LSTM(units: 3, returnSequences: true)
        var g = SeededGenerator(seed: 10)
        var c = trunc.config
        c.bpttSteps = k
        let t = try LSTM(config: c, name: "t")
        try t.build(inputShape: [steps, 2], rng: &g)
        let ref = try LSTM(units: 3, returnSequences: true, name: "ref")
        try ref.build(inputShape: [steps, 2], rng: &g)
        for (a, b) in zip(ref.namedParameters, t.namedParameters) { try a.parameter.assign(b.parameter.value) }
        let x = rand([2, steps, 2], seed: 11).requiringGrad()
        let w = rand([2, steps, 3], seed: 12)

        var ctx = ForwardContext(training: false)
        let lossT = try (t.forward(x, context: &ctx) * w).sum()
        let gT = try gradients(of: lossT, wrt: [x, t.kernel.value, t.recurrentKernel.value])

        var state: [Tensor]? = nil
        var chunks: [Tensor] = []
        for start in stride(from: 0, to: steps, by: k) {
            let out = try ref.call(x.slice(axis: 1, start: start, length: k), initialState: state, context: &ctx)
            chunks.append(out.output)
            state = out.states.map { $0.detached() }
        }
        let lossR = try (Tensor.concat(chunks, axis: 1) * w).sum()
        let gR = try gradients(of: lossR, wrt: [x, ref.kernel.value, ref.recurrentKernel.value])
        XCTAssertEqual(lossT.scalar!, lossR.scalar!, accuracy: 1e-5)
        for (a, b) in zip(gT, gR) { assertClose(a.scalars, b.scalars, tol: 1e-5) }
        // and it really differs from full BPTT
        let full = try LSTM(units: 3, returnSequences: true)
        try full.build(inputShape: [steps, 2], rng: &g)
        for (a, b) in zip(full.namedParameters, t.namedParameters) { try a.parameter.assign(b.parameter.value) }
        let gF = try gradients(of: (full.forward(x, context: &ctx) * w).sum(), wrt: [x])
        XCTAssertGreaterThan(zip(gF[0].scalars, gT[0].scalars).map { abs($0 - $1) }.max()!, 1e-4)
    }

    func testShapeAndConfigErrorsNameTheLayer() throws {
        XCTAssertThrowsError(try LSTM(units: 0, name: "lstm_1")) { e in
            XCTAssertTrue("\(e)".contains("lstm_1") && "\(e)".contains("units"), "\(e)")
        }
        let l = try LSTM(units: 4, name: "lstm_1")
        XCTAssertThrowsError(try l.outputShape(for: [64])) { e in
            XCTAssertTrue("\(e)".contains("lstm_1") && "\(e)".contains("[batch, time, features]"), "\(e)")
        }
        var g = SeededGenerator(seed: 1)
        try l.build(inputShape: [5, 3], rng: &g)
        var ctx = ForwardContext(training: false)
        XCTAssertThrowsError(try l.forward(Tensor.zeros([2, 5, 4]), context: &ctx)) { e in
            XCTAssertTrue("\(e)".contains("lstm_1"))
        }
        XCTAssertThrowsError(try LayerConfigCoding.decode(LSTM.Config.self, from: ["units": 3, "unitz": 1])) { e in
            XCTAssertTrue("\(e)".contains("unitz"), "\(e)")
        }
        XCTAssertThrowsError(try LayerConfigCoding.decode(LSTM.Config.self, from: ["return_sequences": true])) { e in
            XCTAssertEqual(e as? ConfigError, .missingField("units"))
        }
        XCTAssertThrowsError(try LayerConfigCoding.decode(LSTM.Config.self, from: ["units": "many"])) { e in
            XCTAssertTrue("\(e)".contains("units"), "\(e)")
        }
        let emb = try built(Embedding(inputDim: 5, outputDim: 2, name: "embedding_1"), [3])
        XCTAssertThrowsError(try emb.forward(Tensor([[1, 9, 2]].flatMap { $0 }).reshaped([1, 3]), context: &ctx)) { e in
            XCTAssertTrue("\(e)".contains("embedding_1") && "\(e)".contains("input_dim"), "\(e)")
        }
    }

    func testFrozenEmbeddingGetsNoGradientAndPretrainedWeightsStay() throws {
        let e = try Embedding(inputDim: 4, outputDim: 2, trainable: false)
        let m = try Tensor(shape: [4, 2], scalars: [0, 0, 1, 2, 3, 4, 5, 6])
        try e.setWeights(m)
        var g = SeededGenerator(seed: 1)
        try e.build(inputShape: [2], rng: &g)
        XCTAssertEqual(e.embeddings.value.scalars, m.scalars)
        XCTAssertFalse(e.embeddings.value.requiresGrad)
        var ctx = ForwardContext(training: false)
        XCTAssertEqual(try e.forward(Tensor([3, 1]).reshaped([1, 2]), context: &ctx).scalars, [5, 6, 1, 2])
    }
}
