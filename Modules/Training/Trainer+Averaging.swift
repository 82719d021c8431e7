import Layers
import Optimizers
import Tensors

/// An exponential moving average of the weights (Keras's `use_ema`, PyTorch's `AveragedModel`
/// with `get_ema_multi_avg_fn`), kept by the optimizer as `<name>.average`:
///
/// ```
/// a₁ = p₁        aₜ = μ·aₜ₋₁ + (1 − μ)·pₜ        (pₜ: the weights after optimizer step t)
/// ```
///
/// Between epochs — for validation, callbacks (early stopping's best weights, checkpoints), and
/// after `fit` — the model holds the averages and the optimizer the raw weights; each epoch's
/// steps start by swapping them back. A checkpoint therefore resumes exactly: the model it saved
/// is the average, its optimizer state the raw weights.
///
/// ```swift
/// var o = FitOptions(); o.averagingMomentum = 0.999   // spec: `ema: {momentum: 0.999}`
/// ```
extension Trainer {
    /// Folds each of `params` (the model's trainable ones) into its average, after an optimizer step.
    func foldIntoAverages(_ params: [(name: String, parameter: Parameter)]) throws {
        guard let momentum = averagingMomentum else { return }
        for (name, p) in params {
            let kept = p.value.withUnsafeBufferPointer { optimizer.foldIntoAverage(name, $0, momentum: momentum) }
            if !kept {
                throw TrainingError.invalid(
                    "the \(type(of: optimizer).typeName) optimizer keeps no weight averages, so `ema` cannot be used with it"
                )
            }
        }
    }

    /// Exchanges the model's weights with their averages (those that have one yet).
    func swapAverages() {
        guard averagingMomentum != nil else { return }
        for (name, p) in model.trainableParameters {
            p.update { optimizer.swapWithAverage(name, $0) }
        }
    }
}
