import Optimizers
import Tensors
import Training

/// Endless-enough loops to run under `perf record` (see docs/benchmarks-history.md).
enum ProfileLoops {
    /// 150 training steps of model (a) (`index` 0), or 10 s of another benchmark model ((h) and
    /// (i) need CMUdict).
    static func train(index: Int = 0) throws {
        let all = try RNNBench.cases()
        guard index < all.count else { return print("no benchmark model \(index) here (see above)") }
        let c = all[index]
        let trainer = Trainer(model: try c.build(), loss: c.loss, optimizer: Optimizers.Adam())
        let start = now()
        var step = 0
        while index == 0 ? step < 150 : now() - start < 10 {
            let (x, y) = c.batch(step)
            try trainer.trainStep(x: x, y: y, seed: UInt64(step))
            step += 1
        }
    }

    /// 20,000 batch-1 predictions of model (a).
    static func infer() throws {
        let model = try RNNBench.cases()[0].build()
        var g = SeededGenerator(seed: 9)
        let x = RNNBench.ids(1, 100, vocab: 1001, &g)
        for _ in 0..<20000 { _ = try model.predict(x, batchSize: 1) }
    }
}
