import Layers
import Optimizers
import Tensors
import Training

#if canImport(Glibc)
    import Glibc
#endif

/// Recurrent training and inference throughput on random data (issue: layers benchmark).
enum RNNBench {
    struct Case {
        var name: String
        var build: () throws -> Sequential
        var x: Tensor, y: Tensor
        var loss: any Loss
        /// Forward matmul FLOPs per batch (training ≈ 3×): the model's, as the issue counts them.
        var forwardFLOPs: Double
        /// The forward matmul FLOPs actually executed, where fewer (an embedding's distinct tokens
        /// projected once, `Tensor.lookupProjection`); nil = `forwardFLOPs`.
        var executedForwardFLOPs: Double? = nil
        /// Further batches that training steps cycle through after `x`, `y` (data whose lengths
        /// vary); empty: every step trains on `x`, `y`.
        var more: [(x: Tensor, y: Tensor)] = []

        /// The batch of training step `step`.
        func batch(_ step: Int) -> (x: Tensor, y: Tensor) {
            step % (more.count + 1) == 0 ? (x, y) : more[step % (more.count + 1) - 1]
        }
    }

    static func ids(_ b: Int, _ t: Int, vocab: Int, _ g: inout SeededGenerator) -> Tensor {
        Tensor.randomUniform([b, t], low: 1, high: Float(vocab) - 0.01, using: &g).mapElements { $0.rounded(.down) }
    }

    static func cases() throws -> [Case] {
        var g = SeededGenerator(seed: 1)
        let (B, T) = (32, 100)
        let xa = ids(B, T, vocab: 1001, &g)
        let distinct = Double(Set(xa.scalars).count)  // ~960 of 3,200 positions
        var a = Case(
            name: "(a) Embedding(1001,128)→LSTM(64)→Dense(64,relu)→Dense(1,sigmoid), T=100",
            build: {
                try Sequential(
                    inputShape: [T],
                    layers: [
                        Embedding(inputDim: 1001, outputDim: 128), LSTM(units: 64),
                        Dense(units: 64, activation: .relu), Dense(units: 1, activation: .sigmoid),
                    ], seed: 1)
            },
            x: xa, y: Tensor.randomUniform([B, 1], using: &g).mapElements { $0 > 0.5 ? 1 : 0 },
            loss: BinaryCrossEntropy(),
            forwardFLOPs: 2.0 * Double(B * T) * (128 + 64) * 256 + 2.0 * Double(B) * (64 * 64 + 64))
        if Tensor.fuseLookupProjection {
            a.executedForwardFLOPs = a.forwardFLOPs - 2.0 * (Double(B * T) - distinct) * 128 * 256
        }
        let b = Case(
            name: "(b) 20×300-d → SimpleRNN(100) → Dense(3, softmax)",
            build: {
                try Sequential(
                    inputShape: [20, 300], layers: [SimpleRNN(units: 100), Dense(units: 3, activation: .softmax)],
                    seed: 1)
            },
            x: Tensor.randomNormal([B, 20, 300], using: &g),
            y: try Tensor.oneHot(ids(B, 1, vocab: 4, &g).shifted(by: -1).reshaped([B]), depth: 3),
            loss: CategoricalCrossEntropy(),
            forwardFLOPs: 2.0 * Double(B * 20) * (300 + 100) * 100 + 2.0 * Double(B) * 300)
        func char(_ name: String, _ layer: @escaping () throws -> any Layer, gates: Int, units: Int) throws -> Case {
            let steps = 64
            let symbols = 65
            let xi = ids(B, steps, vocab: symbols + 1, &g).shifted(by: -1)
            var c = Case(
                name: name,
                build: {
                    try Sequential(inputShape: [steps, symbols], layers: [layer(), Dense(units: symbols)], seed: 1)
                },
                x: try Tensor.oneHot(xi, depth: symbols), y: ids(B, steps, vocab: symbols + 1, &g).shifted(by: -1),
                loss: SparseCategoricalCrossEntropy(fromLogits: true),
                forwardFLOPs: 2.0 * Double(B * steps) * Double(symbols + units) * Double(gates * units) + 2.0
                    * Double(B * steps * units * symbols))
            if Tensor.fuseLookupProjection {  // one-hot rows: each distinct symbol's row of W, picked once
                c.executedForwardFLOPs =
                    c.forwardFLOPs - 2.0 * (Double(B * steps) - Double(Set(xi.scalars).count))
                    * Double(symbols * gates * units)
            }
            return c
        }
        let c1 = try char(
            "(c1) char: 65 symbols, L=64 → SimpleRNN(128) → Dense(65) per step",
            { try SimpleRNN(units: 128, returnSequences: true) }, gates: 1, units: 128)
        let c2 = try char(
            "(c2) char: 65 symbols, L=64 → LSTM(256) → Dense(65) per step",
            { try LSTM(units: 256, returnSequences: true) }, gates: 4, units: 256)
        // The main job's recurrent shape (Examples/sentiment-glove.yaml) on dense vectors: its frozen
        // GloVe embedding is a lookup with no gradient, so the GRU sees 40 × 50-d inputs.
        let (L, F, H, K) = (40, 50, 100, 2)  // positions, GloVe width, GRU units, classes
        let e = Case(
            name: "(e) \(L)×\(F)-d → GRU(\(H)) → Dense(\(K), softmax)",
            build: {
                try Sequential(
                    inputShape: [L, F], layers: [GRU(units: H), Dense(units: K, activation: .softmax)], seed: 1)
            },
            x: Tensor.randomNormal([B, L, F], using: &g),
            y: try ids(B, 1, vocab: K + 1, &g).shifted(by: -1).reshaped([B]),
            loss: SparseCategoricalCrossEntropy(),
            forwardFLOPs: 2.0 * Double(B * L * (F + H) * 3 * H) + 2.0 * Double(B * H * K))
        var all = [a, b, c1, c2, e, try g2p(&g)]
        if let dictionary = TextBench.dataURL("cmudict.dict") {
            var h = all[5]
            let batches = try G2PBatches.batches(dictionary, &g)
            h.name = "(h) G2P as (g), on 8 batches of 128 real CMUdict words' lengths, padded to 20 + 21"
            (h.x, h.y, h.more) = (batches[0].x, batches[0].y, Array(batches.dropFirst()))
            all.append(h)
            all.append(try g2pExample(dictionary: dictionary, batches: batches))
        }
        return all
    }

    /// (g) A G2P encoder–decoder with attention (`Examples/g2p-cmudict-attention.yaml`'s first
    /// shape, with a one-way encoder and without dropout) on
    /// random words: 20 letters of 30 (one vocabulary of 72 with the phonemes, as the task
    /// builds it) → Embedding(64) → LSTM(192) encoder; `<start>` and 20
    /// phonemes of 72 → Embedding(64) → LSTM(192) from the encoder's states; dot attention over
    /// the encoder's steps; the decoder and the context → Dense(72, softmax) per step; batch 128.
    static func g2p(_ g: inout SeededGenerator) throws -> Case {
        let (B, S, T, H, E, letters, phonemes) = (128, 20, 21, 192, 64, 30, 72)
        let x = try Tensor.concat([ids(B, S, vocab: letters, &g), ids(B, T, vocab: phonemes, &g)], axis: 1)
        let lstm = 2.0 * Double(B) * Double(S + T) * Double(E + H) * Double(4 * H)
        let attention = 2.0 * 2.0 * Double(B * T * S * H)
        return Case(
            name: "(g) G2P: LSTM(192) encoder–decoder, dot attention, 20 letters → 21 phonemes, batch 128",
            build: {
                try Model(
                    inputShape: [S + T],
                    nodes: [
                        .init(try Embedding(inputDim: phonemes, outputDim: E, maskZero: true), inputs: ["source"]),
                        .init(try LSTM(units: H, returnSequences: true), inputs: ["embedding_1"], name: "encoder"),
                        .init(try Embedding(inputDim: phonemes, outputDim: E, maskZero: true), inputs: ["target_in"]),
                        .init(
                            try LSTM(units: H, returnSequences: true),
                            inputs: ["embedding_2", "encoder.h", "encoder.c"], name: "decoder"),
                        .init(try Attention(score: .dot), inputs: ["decoder", "encoder"], name: "attention"),
                        .init(try Concatenate(), inputs: ["decoder", "attention"], name: "both"),
                        .init(Dense(units: phonemes, activation: .softmax), inputs: ["both"]),
                    ],
                    inputParts: [.init(name: "source", shape: [S]), .init(name: "target_in", shape: [T])], seed: 1)
            },
            x: x, y: ids(B, T, vocab: phonemes, &g), loss: SparseCategoricalCrossEntropy(),
            forwardFLOPs: lstm + attention + 2.0 * Double(B * T * 2 * H * phonemes))
    }

    /// Every model with the tiled per-step products on and off (`switchAB`).
    static func tiledAB() throws {
        try switchAB(title: "Per-step products: tiled kernel against OpenBLAS", off: "OpenBLAS", on: "tiled") {
            BLAS.useTiledStepProducts = $0
        }
    }

    /// Every model with the tiled per-step products' `B` stored at a padded row stride (rows an odd
    /// number of cache lines apart, `BLAS.tiledStride`) and at the plain one.
    static func strideAB() throws {
        defer { BLAS.padTiledStrides = nil }
        try switchAB(
            title: "Per-step products: B's rows at the plain stride against a padded one", off: "plain", on: "padded"
        ) { BLAS.padTiledStrides = $0 }
    }

    /// Every model with the tiled per-step products prefetching `B` four rows ahead and not at all.
    static func prefetchAB() throws {
        try switchAB(
            title: "Per-step products: B's rows prefetched ahead or not", off: "no prefetch", on: "4 rows ahead"
        ) {
            BLAS.tiledPrefetchRows = $0 ? 4 : 0
        }
    }

    /// Every model with the backward of per-step products multiplying only the gradient's
    /// nonzero rows (`Tensor.skipZeroGradientRows`) and all of them; only (h) has masked steps.
    static func zeroRowsAB() throws {
        try switchAB(
            title: "Per-step products' backward: every gradient row against the nonzero ones", off: "every row",
            on: "nonzero rows", only: ["g", "h"]
        ) { Tensor.skipZeroGradientRows = $0 }
    }

    /// Every model with the sparse cross-entropy from probabilities as one op
    /// (`SparseCategoricalCrossEntropy.fuseNegativeLog`) and through a one-hot tensor.
    static func negativeLogAB() throws {
        try switchAB(
            title: "Sparse cross-entropy from probabilities: one-hot and generic ops against one op",
            off: "one-hot", on: "one op"
        ) { SparseCategoricalCrossEntropy.fuseNegativeLog = $0 }
    }

    /// (g) and (h) with a batched product's small entries shared out among the threads
    /// (`BLAS.splitBatches`: attention's scores and context) and run one after another.
    static func splitBatchesAB() throws {
        try switchAB(
            title: "Batched products: entries one after another against shared among the threads",
            off: "in turn", on: "shared", only: ["g", "h"]
        ) { BLAS.splitBatches = $0 }
    }

    /// Every model with and without projecting each distinct token once
    /// (`Tensor.fuseLookupProjection`): (a)'s Embedding → LSTM, and (c)'s one-hot input rows;
    /// (b)'s dense inputs are projected per position either way (a control).
    static func lookupAB() throws {
        try switchAB(
            title: "Recurrent input projection: per position against per distinct token", off: "per position",
            on: "per distinct token"
        ) { Tensor.fuseLookupProjection = $0 }
    }

    /// Every model's training through the graph loop (node values, masks per edge) against the
    /// chain loop: what a `graph:` spec costs over a `model:` list.
    static func graphAB() throws {
        try switchAB(title: "Model forward: the graph loop against the chain loop", off: "graph loop", on: "chain loop")
        { Model.chainLoop = $0 }
    }

    /// Model (a) with the fused lookup's two backward products one after the other (each split
    /// over the threads) and at the same time (one per thread, `Tensor.concurrentGradients`).
    static func concurrentAB() throws {
        try switchAB(
            title: "Embedding → recurrent backward products: one after the other against at the same time",
            off: "in turn",
            on: "at once", only: ["a"]
        ) { Tensor.concurrentGradients = $0 }
    }

    /// Training with a switch off and on in alternating blocks of steps inside one process, so
    /// a slow minute on the VM hits both sides; the switch is left on. Reports each side's median
    /// block (ms/step) and the median of the paired ratios (each "off" block against the "on"
    /// block right after it), which drifts in the VM's speed cancel out of.
    static func switchAB(title: String, off: String, on: String, only: Set<Character>? = nil, set: (Bool) -> Void)
        throws
    {
        print("## \(title) (60 alternating blocks of ~25 ms each side; medians)")
        print(
            "| model | \(off) ms/step | \(on) ms/step | speed-up (median of paired ratios) | middle half of the ratios |"
        )
        print("|---|---|---|---|---|")
        defer { set(true) }
        for c in try cases() where only == nil || only!.contains(c.name.dropFirst().first!) {
            let trainer = Trainer(model: try c.build(), loss: c.loss, optimizer: Adam())
            var step = 0
            func block(_ steps: Int) throws -> Double {
                let start = now()
                for _ in 0..<steps {
                    step += 1
                    let (x, y) = c.batch(step)
                    try trainer.trainStep(x: x, y: y, seed: UInt64(step))
                }
                return (now() - start) / Double(steps)
            }
            set(true)
            _ = try block(3)
            set(false)
            _ = try block(3)
            let steps = max(1, Int((0.025 / (try block(3))).rounded()))
            var times: [[Double]] = [[], []]
            var ratios: [Double] = []
            for _ in 0..<60 {
                set(false)
                times[0].append(try block(steps))
                set(true)
                times[1].append(try block(steps))
                ratios.append(times[0].last! / times[1].last!)
            }
            func median(_ v: [Double]) -> Double {
                let s = v.sorted()
                return s[s.count / 2]
            }
            let r = ratios.sorted()
            print(
                "| \(c.name.prefix(4)) | \(fmt(median(times[0]) * 1e3, 2)) | \(fmt(median(times[1]) * 1e3, 2)) | \(fmt(median(ratios), 3))× | \(fmt(r[r.count / 4], 2))–\(fmt(r[3 * r.count / 4], 2))× |"
            )
        }
        print("")
    }

    /// Each model's training step and the 1024³ sgemm peak are timed in alternating short rounds
    /// and the best of each is kept, so a slow minute on a shared VM hits both sides of the ratio.
    /// The peak is the better of Unroll's split sgemm and OpenBLAS's own threading.
    static func run(only: Set<Character>? = nil) throws {
        print(
            "## Recurrent training (batch 32, (g) 128, Adam, threads: \(BLAS.threadCount); best of 6 alternating rounds)"
        )
        print(
            "| model | ms/step | examples/s | achieved GFLOP/s | sgemm 1024³ peak GFLOP/s | share of peak | executed GFLOP/s (share) |"
        )
        print("|---|---|---|---|---|---|---|")
        let all = try cases()
        for c in all where only == nil || only!.contains(c.name.dropFirst().first!) {
            let model = try c.build()
            let trainer = Trainer(model: model, loss: c.loss, optimizer: Adam())
            var step = 0
            var best = Double.infinity
            // OpenBLAS's threads spin ~0.1 s after their last job: let them settle before timing.
            var peak = TensorBench.openBLASThreadedGFLOPs(n: 1024, seconds: 0.5)
            usleep(300_000)
            for _ in 0..<6 {
                peak = max(peak, TensorBench.sgemmGFLOPs(m: 1024, k: 1024, n: 1024, seconds: 0.25))
                best = min(
                    best,
                    try measure(minSeconds: 0.4, repeats: 1, warmup: step == 0 ? 3 : 1) {
                        for _ in 0...c.more.count {  // every batch once per call
                            step += 1
                            let (x, y) = c.batch(step)
                            try trainer.trainStep(x: x, y: y, seed: UInt64(step))
                        }
                    } / Double(c.more.count + 1))
            }
            let gflops = 3 * c.forwardFLOPs / best / 1e9
            let executed = 3 * (c.executedForwardFLOPs ?? c.forwardFLOPs) / best / 1e9
            print(
                "| \(c.name) | \(fmt(best * 1e3, 2)) | \(fmt(Double(c.x.shape[0]) / best, 0)) | \(fmt(gflops, 1)) | \(fmt(peak, 1)) | \(fmt(100 * gflops / peak, 0))% | \(fmt(executed, 1)) (\(fmt(100 * executed / peak, 0))%) |"
            )
        }
        print("")
        if only != nil { return }
        try tiledAB()
        try lookupAB()
        try inference()
    }

    /// Inference of (a) without a tape, at batch 1 and 256.
    static func inference() throws {
        print("## Inference of (a) (no tape)")
        print("| batch | ms/batch | ms/sequence | sequences/s |")
        print("|---|---|---|---|")
        let model = try cases()[0].build()
        var g = SeededGenerator(seed: 9)
        for batch in [1, 256] {
            let x = ids(batch, 100, vocab: 1001, &g)
            let t = try measure(minSeconds: 1) { _ = try model.predict(x, batchSize: batch) }
            print(
                "| \(batch) | \(fmt(t * 1e3, 3)) | \(fmt(t * 1e3 / Double(batch), 4)) | \(fmt(Double(batch) / t, 0)) |")
        }
        print("")
    }
}
