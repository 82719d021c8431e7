import Layers
import Tensors

/// A metric, fed batch by batch and read at the end (Keras's `update_state` / `result`): `fit`
/// updates each one with every training step's predictions and reports its result for the
/// epoch (no second pass over the data), and again over the validation batches as `val_<name>`;
/// `evaluate` does the same over its batches. A plugin registers a factory (kind `metric`) that
/// returns one, and it is logged, monitored and plotted like a built-in.
///
/// Shapes: `predictions` `[batch, classes]` or `[batch, time, classes]` (or `[batch, 1]` for a
/// binary model), `targets` as the loss reads them, `mask` `[batch, time]` (1 = a step that counts).
///
/// ```swift
/// let acc = try ConfusionMetric("accuracy")
/// try acc.update(predictions: p, targets: y, mask: nil, task: .sparse)    // each batch
/// acc.result()                                                             // accuracy so far
/// ```
public protocol Metric: AnyObject {
    /// The name in logs, history and callbacks (`val_` is prefixed for validation).
    var name: String { get }
    /// Starts over (every epoch, every evaluation).
    func reset()
    /// Adds one batch. `task` says how predictions and targets read as classes.
    func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws
    /// The value over the batches since `reset`; nil when it is undefined (no batch yet, or a
    /// class metric on a regression).
    func result() -> Double?
}

/// The built-in metrics (`ConfusionMatrix.metricNames`: accuracy, precision, recall, F1 and their
/// macro forms), read off the confusion matrix of the batches since `reset`.
public final class ConfusionMetric: Metric {
    public let name: String
    private var matrix: ConfusionMatrix?

    public init(_ name: String) throws {
        guard ConfusionMatrix.metricNames.contains(name) else {
            throw ModelError.invalid(
                "unknown metric '\(name)'; built-in metrics: \(ConfusionMatrix.metricNames.joined(separator: ", "))")
        }
        self.name = name
    }

    public func reset() { matrix = nil }

    public func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
        guard task != .regression else { return }
        let k = task.classCount(outputShape: Array(predictions.shape.dropFirst()))
        if matrix == nil { matrix = ConfusionMatrix(classes: k) }
        let c = try task.classes(predictions: predictions, targets: targets, mask: mask)
        try matrix!.add(predicted: c.predicted, actual: c.actual)
    }

    public func result() -> Double? {
        guard let matrix, matrix.total > 0 else { return nil }
        return matrix.value(of: name)
    }
}
