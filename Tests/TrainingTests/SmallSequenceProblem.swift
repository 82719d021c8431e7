import Layers
import Tensors
import Training

/// The small problem the checkpoint and weight-average tests train on: 48 sequences of 5 token ids
/// (0–19), labelled by their sum mod 3, and an Embedding(4) → GRU(6) → Dense(3) model for it.
enum SmallSequenceProblem {
    static func model(seed: UInt64) throws -> Sequential {
        try Sequential(
            inputShape: [5], layers: [Embedding(inputDim: 20, outputDim: 4), GRU(units: 6), Dense(units: 3)], seed: seed
        )
    }

    static func data() throws -> (Tensor, Tensor) {
        var g = SeededGenerator(seed: 3)
        let x = Tensor.randomUniform([48, 5], low: 0, high: 19.99, using: &g).mapElements { $0.rounded(.down) }
        let y = try x.sum(axis: 1).mapElements { Float(Int($0) % 3) }
        return (x, y)
    }
}
