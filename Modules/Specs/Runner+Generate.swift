import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `unroll generate`.
extension Runner {
    /// Samples `length` characters from a character bundle after `prime`, with a temperature
    /// (`p_i ∝ exp(log p_i / T)`: below 1 sharper, above 1 more random) and a seed.
    /// The most characters `generate` samples in one call (one forward pass each; the text is
    /// returned whole, so a runaway length would only fill memory).
    public static let maxGenerateLength = 10_000_000

    public func generate(bundle dir: URL, prime: String, length: Int, temperature: Double, seed: UInt64) throws
        -> String
    {
        let b = try ModelBundle.load(dir, registry: registry)
        guard b.description.form == "characters" else {
            throw CheckpointError.format(
                path: dir.path, message: "generate needs a character-model bundle (this one is \(b.description.form))")
        }
        guard temperature > 0, temperature.isFinite else {
            throw TrainingError.invalid("temperature must be positive and finite, got \(temperature)")
        }
        guard (0...Runner.maxGenerateLength).contains(length) else {
            throw TrainingError.invalid("length must be in 0…\(Runner.maxGenerateLength), got \(length)")
        }
        let alphabet = b.description.classes.map { Character($0) }
        let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })
        var ids = try prime.map { c -> Int in
            guard let i = index[c] else {
                throw TrainingError.invalid("the prime contains '\(c)', which is not in the model's alphabet")
            }
            return i
        }
        guard !ids.isEmpty else { throw TrainingError.invalid("the prime text must not be empty") }
        let window = b.model.inputShape[0]
        let logits = (b.description.lossConfig.foundationObject as? [String: Any])?["from_logits"] as? Bool ?? false
        var rng = SeededGenerator(seed: seed)
        var out = prime
        for _ in 0..<length {
            let context = Array(ids.suffix(window))
            let x = try Tensor(shape: [1, context.count], scalars: context.map(Float.init))
            let y = try withNoGrad { () -> Tensor in
                var ctx = ForwardContext(training: false)
                return try b.model.forward(x, context: &ctx, checkInputShape: false)
            }
            let last = try y.slice(axis: 1, start: context.count - 1, length: 1).scalars
            let logp = logits ? try Tensor(last).logSoftmax().scalars : last.map { Foundation.log(max($0, 1e-12)) }
            let scaled = logp.map { Double($0) / temperature }
            let m = scaled.max()!
            let w = scaled.map { Foundation.exp($0 - m) }
            var r = Double(rng.nextUnitFloat()) * w.reduce(0, +)
            var pick = w.count - 1
            for (i, v) in w.enumerated() {
                r -= v
                if r <= 0 {
                    pick = i
                    break
                }
            }
            ids.append(pick)
            out.append(alphabet[pick])
        }
        return out
    }
}
