#if canImport(Glibc)
    import Glibc
#endif

/// Learning rate as a function of the optimizer step (0-based), with optional linear warm-up.
///
/// - `constant`: `lr₀`
/// - `stepDecay(factor, every)`: `lr₀ · factor^⌊step/every⌋`
/// - `exponential(rate, steps)`: `lr₀ · rate^(step/steps)`
/// - `cosine(steps, minFraction)`: `lr₀ · (α + (1 − α)·½(1 + cos(π·min(step, steps)/steps)))`
/// Warm-up: for the first `warmupSteps` steps the rate rises linearly to the scheduled value
/// (`(step + 1)/warmupSteps` of it), and the schedule proper starts after warm-up.
///
/// ```swift
/// let s = LearningRateSchedule(initial: 0.1, kind: .stepDecay(factor: 0.5, every: 100), warmupSteps: 10)
/// s.rate(at: 4)     // 0.05: warm-up, 5/10 of 0.1
/// s.rate(at: 110)   // 0.05: 100 steps after warm-up, halved once
/// ```
public struct LearningRateSchedule: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case constant
        case stepDecay(factor: Float, every: Int)
        case exponential(rate: Float, steps: Int)
        case cosine(steps: Int, minFraction: Float)
    }
    public var initial: Float
    public var kind: Kind
    public var warmupSteps: Int

    public init(initial: Float, kind: Kind = .constant, warmupSteps: Int = 0) {
        self.initial = initial
        self.kind = kind
        self.warmupSteps = warmupSteps
    }

    /// The learning rate for optimizer step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return scheduled(0) * Float(step + 1) / Float(warmupSteps) }
        return scheduled(step - warmupSteps)
    }

    private func scheduled(_ s: Int) -> Float {
        switch kind {
        case .constant: return initial
        case .stepDecay(let factor, let every): return initial * powf(factor, Float(s / max(every, 1)))
        case .exponential(let rate, let steps): return initial * powf(rate, Float(s) / Float(max(steps, 1)))
        case .cosine(let steps, let alpha):
            let p = Float(min(s, steps)) / Float(max(steps, 1))
            return initial * (alpha + (1 - alpha) * 0.5 * (1 + cosf(Float.pi * p)))
        }
    }
}
