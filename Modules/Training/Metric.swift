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

/// A metric whose state is a list of sums (counts, error totals), so that the states of several
/// processes add up: data-parallel training sums the training ranks' `sums` before reading
/// `result`, which then equals the single-process value. A metric that is not summable is
/// averaged over the ranks instead.
///
/// ```swift
/// let a = SequenceAccuracy()      // sums: [right, total]
/// a.sums = [3, 4]                 // as if three of four sequences had been right
/// a.result()                      // 0.75
/// ```
public protocol SummableMetric: Metric {
    /// The state since `reset`, as numbers that add up across processes; setting it replaces the
    /// state (an empty list is the state of no batch).
    var sums: [Double] { get set }
}

/// The built-in metrics (`ConfusionMatrix.metricNames`: accuracy, precision, recall, F1 and their
/// macro forms), read off the confusion matrix of the batches since `reset`.
public final class ConfusionMetric: SummableMetric {
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

    /// The confusion counts, row by row (`classes²` numbers; empty before the first batch).
    public var sums: [Double] {
        get { matrix.map { $0.counts.flatMap { $0.map(Double.init) } } ?? [] }
        set {
            let k = Int(Double(newValue.count).squareRoot())
            guard k > 0, k * k == newValue.count else {
                matrix = nil
                return
            }
            matrix = ConfusionMatrix(counts: (0..<k).map { r in newValue[(r * k)..<(r * k + k)].map { Int($0) } })
        }
    }

    public func result() -> Double? {
        guard let matrix, matrix.total > 0 else { return nil }
        return matrix.value(of: name)
    }
}
