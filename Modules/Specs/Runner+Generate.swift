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
    /// The most characters `generate` samples in one call (one forward pass each; the text is
    /// returned whole, so a runaway length would only fill memory).
    public static let maxGenerateLength = 10_000_000

    /// Samples `length` characters from a bundle after `prime`, as its task samples (a character
    /// model: `p_i ∝ exp(log p_i / T)` with temperature `T` — below 1 sharper, above 1 more
    /// random — and a seed; temperature 0 takes the most likely character every step, greedy).
    public func generate(bundle dir: URL, prime: String, length: Int, temperature: Double, seed: UInt64) throws
        -> String
    {
        guard temperature >= 0, temperature.isFinite else {
            throw TrainingError.invalid("temperature must be 0 (greedy) or positive, and finite; got \(temperature)")
        }
        guard (0...Runner.maxGenerateLength).contains(length) else {
            throw TrainingError.invalid("length must be in 0…\(Runner.maxGenerateLength), got \(length)")
        }
        let b = try loadBundle(dir)
        return try b.task.generate(b, prime: prime, length: length, temperature: temperature, seed: seed)
    }
}
