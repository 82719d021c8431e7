import Layers
import PluginRegistry
import Tensors
import Training

/// A plugin metric: the share of predicted values within 0.5 of their target (a regression's
/// "close enough" rate). Registered as `acme.within_half`; `fit` logs it each epoch (and
/// `val_acme.within_half`), early stopping can monitor it. Nil on a classifier. Summable (its
/// state is two counts), so data-parallel training sums it over the ranks exactly.
public final class WithinHalf: SummableMetric {
    public let name = "acme.within_half"
    private var hits = 0, count = 0
    public init() {}
    public func reset() { (hits, count) = (0, 0) }

    /// Predictions and targets `[batch, k]` (or `[batch, time, k]` with a `[batch, time]` mask).
    public func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
        guard task == .regression else { return }
        let p = predictions.scalars
        let t = targets.scalars
        let k = p.count / max(1, mask?.count ?? p.count)
        for i in p.indices where (mask?.scalars[i / k] ?? 1) != 0 {
            if abs(p[i] - t[i]) <= 0.5 { hits += 1 }
            count += 1
        }
    }

    public func result() -> Double? { count == 0 ? nil : Double(hits) / Double(count) }

    /// `[values within 0.5, values]`.
    public var sums: [Double] {
        get { [Double(hits), Double(count)] }
        set { (hits, count) = newValue.count == 2 ? (Int(newValue[0]), Int(newValue[1])) : (0, 0) }
    }

    static let entry = PluginEntry.configured(
        .metric, "acme.within_half", summary: "share of values within 0.5 of the target", config: NoFields.self
    ) { _, _ in WithinHalf() as any Metric }
}
