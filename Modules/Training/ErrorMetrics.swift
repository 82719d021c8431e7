import Layers
import Tensors

/// Error metrics for values (regression, forecasting): the mean absolute error
/// `mae = Σ|ŷ − y| / n`, the mean squared error `mse = Σ(ŷ − y)² / n` and its root
/// `rmse = √mse`, over every element of every batch since `reset` (steps whose mask is 0 do not
/// count). Predictions and targets have the same shape (`[batch, k]` or `[batch, time, k]`);
/// on a classifier (targets as indices or one-hot) the result is nil.
///
/// ```swift
/// let mae = try ErrorMetric("mae")
/// try mae.update(predictions: p, targets: y, mask: nil, task: .regression)
/// mae.result()
/// ```
public final class ErrorMetric: SummableMetric {
    /// The names this metric answers to.
    public static let names = ["mae", "mse", "rmse"]
    public let name: String
    private var sum = 0.0, count = 0

    public init(_ name: String) throws {
        guard Self.names.contains(name) else {
            throw ModelError.invalid("unknown error metric '\(name)'; one of \(Self.names.joined(separator: ", "))")
        }
        self.name = name
    }

    public func reset() { (sum, count) = (0, 0) }

    public func update(predictions: Tensor, targets: Tensor, mask: Tensor?, task: TaskKind) throws {
        guard task == .regression else { return }
        guard predictions.shape == targets.shape else {
            throw ModelError.invalid("\(name): predictions \(predictions.shape) and targets \(targets.shape) differ")
        }
        let p = predictions.scalars
        let t = targets.scalars
        // A mask [batch, time] weighs each step's k values.
        let weights = mask.map { m -> [Float] in
            let k = p.count / max(1, m.count)
            return m.scalars.flatMap { Array(repeating: $0, count: k) }
        }
        for i in p.indices where weights?[i] ?? 1 != 0 {
            let d = Double(p[i] - t[i])
            sum += name == "mae" ? abs(d) : d * d
            count += 1
        }
    }

    /// `[sum of errors, count]`.
    public var sums: [Double] {
        get { [sum, Double(count)] }
        set { (sum, count) = newValue.count == 2 ? (newValue[0], Int(newValue[1])) : (0, 0) }
    }

    public func result() -> Double? {
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        return name == "rmse" ? mean.squareRoot() : mean
    }
}
