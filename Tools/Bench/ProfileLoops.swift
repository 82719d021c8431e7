import Tensors
import Training

/// Endless-enough loops to run under `perf record` (see docs/benchmarks.md, "Profiling").
enum ProfileLoops {
    /// 150 training steps of model (a).
    static func train() throws {
        let c = try RNNBench.cases()[0]
        let trainer = Trainer(model: try c.build(), loss: c.loss, optimizer: Optimizers.Adam())
        for s in 0..<150 { try trainer.trainStep(x: c.x, y: c.y, seed: UInt64(s)) }
    }

    /// 20,000 batch-1 predictions of model (a).
    static func infer() throws {
        let model = try RNNBench.cases()[0].build()
        var g = SeededGenerator(seed: 9)
        let x = RNNBench.ids(1, 100, vocab: 1001, &g)
        for _ in 0..<20000 { _ = try model.predict(x, batchSize: 1) }
    }
}
import Optimizers
