import Layers
import Tensors

/// `sequence_accuracy`: the share of sequences whose every step is right (exact match), for
/// per-step outputs `[batch, time, classes]` with targets `[batch, time]` (indices) or one-hot;
/// steps whose mask is 0 (padding) do not count. A sequence-to-sequence model trained with
/// teacher forcing reads the true previous token at each step, so during `fit` this is the
/// teacher-forced exact match; the decoded one is in the task's test report.
///
/// ```swift
/// let m = SequenceAccuracy()
/// try m.update(predictions: p, targets: y, mask: mask, task: .sparse)   // p [2, 3, 5], y [2, 3]
/// m.result()                                                            // 0.5: one of two rows right
/// ```
public final class SequenceAccuracy: SummableMetric {
    public let name = "sequence_accuracy"
    private var right = 0, total = 0
    public init() {}
    public func reset() { (right, total) = (0, 0) }

    public func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
        guard task == .sparse || task == .categorical, predictions.rank == 3 else { return }
        let (B, T) = (predictions.shape[0], predictions.shape[1])
        let c = try task.classes(predictions: predictions, targets: targets, mask: nil)
        guard c.predicted.count == B * T else {
            throw ModelError.invalid(
                "sequence_accuracy: \(c.predicted.count) steps for predictions \(predictions.shape)")
        }
        let m = mask?.scalars
        for b in 0..<B {
            var ok = true
            for t in 0..<T where (m?[b * T + t] ?? 1) != 0 && c.predicted[b * T + t] != c.actual[b * T + t] {
                ok = false
                break
            }
            if ok { right += 1 }
            total += 1
        }
    }

    /// `[sequences right, sequences]`.
    public var sums: [Double] {
        get { [Double(right), Double(total)] }
        set { (right, total) = newValue.count == 2 ? (Int(newValue[0]), Int(newValue[1])) : (0, 0) }
    }

    public func result() -> Double? { total == 0 ? nil : Double(right) / Double(total) }
}
