import Collectives
import Optimizers
import Tensors
import Training

/// Data-parallel training throughput (`unroll-bench distributed`): run it alone for one process, and
/// under `mpirun -np N` for N ranks (`Tools/distributed-bench.sh` runs both, alternately). Every rank
/// runs the same fixed number of steps — a collective waits for all ranks, so no rank may time by
/// the clock alone — and rank 0 prints.
enum DistributedBench {
    /// The ranks' allreduce time against the message size, and the α–β line fitted to it.
    static func allreduce(_ world: any Communicator) throws {
        let reducer = GradientReducer(communicator: world, bucketElements: 1 << 22)
        var rows: [(n: Int, seconds: Double)] = []
        for power in stride(from: 4, through: 22, by: 2) {
            let n = 1 << power
            var t = [Tensor.zeros([n])]
            var extra: [Float] = []
            let repeats = max(4, min(400, (1 << 24) / n))
            var best = Double.infinity
            for _ in 0..<3 {
                try world.barrier()
                reducer.resetTiming()
                for _ in 0..<repeats { t = try reducer.sum(t, extra: &extra) }
                best = min(best, reducer.reduceSeconds / Double(repeats))
            }
            rows.append((n, best))
        }
        guard world.isPrimary else { return }
        print("## Allreduce of n floats over \(world.size) ranks (MPI_Allreduce in place, best of 3 rounds)")
        print("| floats | bytes | µs | GB/s (bytes ÷ time) |")
        print("|---|---|---|---|")
        for r in rows {
            print("| \(r.n) | \(r.n * 4) | \(fmt(r.seconds * 1e6, 1)) | \(fmt(Double(r.n * 4) / r.seconds / 1e9, 2)) |")
        }
        // t = α + β·bytes by least squares on relative errors (weights 1/t²), so the small messages,
        // which fix α, count as much as the large ones, which fix β.
        var (s0, s1, s2, t0, t1) = (0.0, 0.0, 0.0, 0.0, 0.0)
        for r in rows {
            let (x, y) = (Double(r.n * 4), r.seconds)
            let w = 1 / (y * y)
            (s0, s1, s2, t0, t1) = (s0 + w, s1 + w * x, s2 + w * x * x, t0 + w * y, t1 + w * x * y)
        }
        let beta = (s0 * t1 - s1 * t0) / (s0 * s2 - s1 * s1)
        let alpha = (t0 - beta * s1) / s0
        print("fit: α = \(fmt(alpha * 1e6, 2)) µs, β = \(fmt(beta * 1e9, 4)) ns/byte (\(fmt(1 / beta / 1e9, 2)) GB/s)")
        print("")
    }

    /// Models (a) and (e) of `rnn`: global batch 32, each rank its shard, Adam.
    static func models(_ world: any Communicator, only: Set<Character>) throws {
        if world.isPrimary {
            print(
                "## Data-parallel training, global batch 32 (ranks: \(world.size), threads per rank: \(BLAS.threadCount); best of 5 rounds of 20 steps)"
            )
            print(
                "| model | ms/step | examples/s | allreduce ms/step (incl. waiting for the slower rank) | share of the step | parameters |"
            )
            print("|---|---|---|---|---|---|")
        }
        for c in try RNNBench.cases() where only.contains(c.name.dropFirst().first!) {
            let model = try c.build()
            let trainer = Trainer(model: model, loss: c.loss, optimizer: Adam())
            trainer.reducer = GradientReducer(communicator: world)
            let rows = world.shard(of: c.x.shape[0])
            let x = try c.x.slice(axis: 0, start: rows.lowerBound, length: rows.count)
            let y = try c.y.slice(axis: 0, start: rows.lowerBound, length: rows.count)
            var step = 0
            for _ in 0..<3 {
                step += 1
                try trainer.trainStep(x: x, y: y, seed: UInt64(step))
            }
            var best = Double.infinity
            var reduce = 0.0
            for _ in 0..<5 {
                try world.barrier()
                trainer.reducer.resetTiming()
                let t0 = now()
                for _ in 0..<20 {
                    step += 1
                    try trainer.trainStep(x: x, y: y, seed: UInt64(step))
                }
                let t = (now() - t0) / 20
                if t < best { (best, reduce) = (t, trainer.reducer.reduceSeconds / 20) }
            }
            if world.isPrimary {
                let share = world.size > 1 ? "\(fmt(100 * reduce / best, 1))%" : "—"
                print(
                    "| \(c.name) | \(fmt(best * 1e3, 2)) | \(fmt(32 / best, 0)) | \(world.size > 1 ? fmt(reduce * 1e3, 3) : "—") | \(share) | \(model.trainableParameters.reduce(0) { $0 + $1.parameter.count }) |"
                )
            }
        }
        if world.isPrimary { print("") }
    }

    static func run(_ args: Set<String>) throws {
        let world = try Collectives.world()
        defer { world.finish() }
        let only = Set(args.first { $0.hasPrefix("distributed-") }.map { $0.dropFirst(12) } ?? "ae")
        try models(world, only: only)
        if world.size > 1 { try allreduce(world) }
    }
}
