import Foundation

/// One epoch's figures: `loss`, metrics, `val_` variants, `lr`, `seconds`.
public struct EpochLogs: Equatable, Codable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    public var values: [String: Double]
    public init(epoch: Int, values: [String: Double]) {
        self.epoch = epoch
        self.values = values
    }
}

/// Everything `fit` measured, epoch by epoch; writes CSV and JSON.
public struct History: Equatable, Codable, Sendable {
    public var epochs: [EpochLogs] = []
    public init() {}

    /// Column names: `epoch`, then the keys in a stable order (loss first).
    public var columns: [String] {
        let keys = Set(epochs.flatMap(\.values.keys))
        let order = ["loss"] + ConfusionMatrix.metricNames
        func rank(_ k: String) -> (Int, Int, String) {
            let base = k.hasPrefix("val_") ? String(k.dropFirst(4)) : k
            let i = order.firstIndex(of: base) ?? order.count + (k == "lr" ? 1 : k == "seconds" ? 2 : 0)
            return (k.hasPrefix("val_") ? 1 : 0, i, k)
        }
        return ["epoch"] + keys.sorted { rank($0) < rank($1) }
    }

    public func csv() -> String {
        let cols = columns
        var out = cols.joined(separator: ",") + "\n"
        for e in epochs {
            out +=
                cols.map { c in c == "epoch" ? String(e.epoch) : e.values[c].map { String(format: "%.6g", $0) } ?? "" }
                .joined(separator: ",") + "\n"
        }
        return out
    }

    public func json() throws -> Data {
        // JSON has no NaN or infinity: such a figure (a validation loss that overflowed) is null.
        let rows: [[String: Any]] = epochs.map { e in
            e.values.mapValues { $0.isFinite ? $0 as Any : NSNull() }.merging(["epoch": Double(e.epoch)]) { a, _ in a }
        }
        return try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
    }
}
