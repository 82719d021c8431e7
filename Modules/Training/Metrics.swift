import Foundation
import Layers
import Tensors

/// How predictions and targets are read as classes for metrics.
public enum TaskKind: Equatable, Sendable {
    /// One probability (or logit) per example; class 1 when `p ≥ threshold`; targets 0/1.
    case binary(threshold: Float)
    /// One score per class on the last axis; targets one-hot (or soft) on the same axis.
    case categorical
    /// One score per class on the last axis; targets are class indices.
    case sparse
    /// No classes (regression): only the loss is reported.
    case regression

    /// The reading a loss's targets call for (`Loss.targets`), so a plugin loss is scored like a
    /// built-in one. One-hot targets on one output read as regression; squared-error losses on
    /// more than one output (the notes' one-hot digits) read as categorical.
    public static func forLoss(_ loss: any Loss, outputShape: [Int]) -> TaskKind {
        switch loss.targets {
        case .binary: return .binary(threshold: loss.takesLogits ? 0 : 0.5)
        case .indices: return .sparse
        case .oneHot, .values: return (outputShape.last ?? 1) > 1 ? .categorical : .regression
        }
    }

    /// Number of classes for an output shape.
    public func classCount(outputShape: [Int]) -> Int {
        switch self {
        case .binary: return 2
        case .categorical, .sparse: return outputShape.last ?? 1
        case .regression: return 0
        }
    }

    /// Predicted and true classes, flattened over the batch (and time, where `mask` keeps a step).
    public func classes(predictions p: Tensor, targets y: Tensor, mask: Tensor? = nil) throws -> (
        predicted: [Int], actual: [Int]
    ) {
        let ps = p.scalars
        let ys = y.scalars
        var pred: [Int] = []
        var act: [Int] = []
        switch self {
        case .regression: return ([], [])
        case .binary(let threshold):
            pred = ps.map { $0 >= threshold ? 1 : 0 }
            act = ys.map { $0 >= 0.5 ? 1 : 0 }
        case .categorical, .sparse:
            let c = p.shape.last ?? 1
            let rows = ps.count / max(c, 1)
            for r in 0..<rows {
                var best = 0
                for k in 1..<max(c, 1) where ps[r * c + k] > ps[r * c + best] { best = k }
                pred.append(best)
                if self == .sparse {
                    act.append(Int(ys[r]))
                } else {
                    var bt = 0
                    for k in 1..<max(c, 1) where ys[r * c + k] > ys[r * c + bt] { bt = k }
                    act.append(bt)
                }
            }
        }
        guard pred.count == act.count else {
            throw ModelError.invalid(
                "metrics: \(pred.count) predictions but \(act.count) targets (predictions \(p.shape), targets \(y.shape))"
            )
        }
        if let m = mask {
            let keep = m.scalars
            guard keep.count == pred.count else { return (pred, act) }
            let idx = keep.indices.filter { keep[$0] != 0 }
            return (idx.map { pred[$0] }, idx.map { act[$0] })
        }
        return (pred, act)
    }
}

/// A confusion matrix and the metrics derived from it.
///
/// `counts[actual][predicted]`. Precision of class k = TP/(TP+FP), recall = TP/(TP+FN),
/// F1 = 2PR/(P+R) (0 when undefined). Macro averages weight equally the classes that occur
/// (as an actual or a predicted class, like scikit-learn). For two classes,
/// the binary figures are those of the positive class 1.
///
/// ```swift
/// let m = try ConfusionMatrix(predicted: [1, 1, 0, 1], actual: [1, 0, 0, 1], classes: 2)
/// m.accuracy      // 0.75
/// m.precision(1)  // 2/3: one of the three predicted positives is wrong
/// m.recall(1)     // 1
/// m.f1(1)         // 0.8
/// ```
public struct ConfusionMatrix: Equatable, Codable, Sendable {
    public private(set) var counts: [[Int]]

    public init(classes: Int) { counts = Array(repeating: Array(repeating: 0, count: classes), count: classes) }

    /// A matrix of given counts, `counts[actual][predicted]` (square).
    public init(counts: [[Int]]) { self.counts = counts }

    /// Counts pairs of (predicted, actual) classes; classes outside the matrix are an error.
    public init(predicted: [Int], actual: [Int], classes: Int) throws {
        self.init(classes: classes)
        try add(predicted: predicted, actual: actual)
    }

    /// Adds pairs of (predicted, actual) classes (a batch's, when accumulating over an epoch).
    public mutating func add(predicted: [Int], actual: [Int]) throws {
        for (p, a) in zip(predicted, actual) {
            guard p >= 0, p < classes, a >= 0, a < classes else {
                throw ModelError.invalid("class index out of range: predicted \(p), actual \(a), classes \(classes)")
            }
            counts[a][p] += 1
        }
    }

    public var classes: Int { counts.count }
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    public func precision(_ k: Int) -> Double {
        let predicted = (0..<classes).reduce(0) { $0 + counts[$1][k] }
        return predicted == 0 ? 0 : Double(counts[k][k]) / Double(predicted)
    }
    public func recall(_ k: Int) -> Double {
        let actual = counts[k].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[k][k]) / Double(actual)
    }
    public func f1(_ k: Int) -> Double {
        let p = precision(k)
        let r = recall(k)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
    /// Classes that occur as an actual or a predicted class (scikit-learn's label set for macro averages).
    public var presentClasses: [Int] {
        (0..<classes).filter { k in counts[k].reduce(0, +) > 0 || (0..<classes).contains { counts[$0][k] > 0 } }
    }
    private func macro(_ f: (Int) -> Double) -> Double {
        let ks = presentClasses
        return ks.isEmpty ? 0 : ks.map(f).reduce(0, +) / Double(ks.count)
    }
    public var macroPrecision: Double { macro(precision) }
    public var macroRecall: Double { macro(recall) }
    public var macroF1: Double { macro(f1) }

    /// The metric by name: `accuracy`, `precision`, `recall`, `f1` (positive class for two
    /// classes, macro average otherwise), or `macro_precision`, `macro_recall`, `macro_f1`.
    public func value(of metric: String) -> Double? {
        let binary = classes == 2
        switch metric {
        case "accuracy": return accuracy
        case "precision": return binary ? precision(1) : macroPrecision
        case "recall": return binary ? recall(1) : macroRecall
        case "f1": return binary ? f1(1) : macroF1
        case "macro_precision": return macroPrecision
        case "macro_recall": return macroRecall
        case "macro_f1": return macroF1
        default: return nil
        }
    }

    /// The metric names `value(of:)` knows.
    public static let metricNames = [
        "accuracy", "precision", "recall", "f1", "macro_precision", "macro_recall", "macro_f1",
    ]

    /// A printable report: the matrix with per-class precision, recall, F1 and support.
    public func report(labels: [String]? = nil) -> String {
        let names = labels ?? (0..<classes).map(String.init)
        let w = max(8, (names.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int = 10) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        var out = pad("", w) + pad("precision") + pad("recall") + pad("f1") + pad("support") + "\n"
        for k in 0..<classes {
            out +=
                pad(names[k], w) + pad(f(precision(k))) + pad(f(recall(k))) + pad(f(f1(k)))
                + pad(String(counts[k].reduce(0, +))) + "\n"
        }
        out +=
            pad("macro", w) + pad(f(macroPrecision)) + pad(f(macroRecall)) + pad(f(macroF1)) + pad(String(total)) + "\n"
        out += pad("accuracy", w) + pad("") + pad("") + pad(f(accuracy)) + pad(String(total)) + "\n\n"
        out += "confusion matrix (rows: actual, columns: predicted)\n"
        out += pad("", w) + names.map { pad($0) }.joined() + "\n"
        for k in 0..<classes { out += pad(names[k], w) + counts[k].map { pad(String($0)) }.joined() + "\n" }
        return out
    }
}
