import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// A task that forecasts a series forward from its end (`unroll forecast`).
public protocol ForecastsSeries {
    /// `steps` values of each target column after the end of `data` (a CSV read with the bundle's
    /// source settings): the model's direct forecast, and beyond its horizon the forecasts fed
    /// back as inputs (recursive; every column must then be a target).
    func forecast(_ b: ModelBundle, data: URL, steps: Int, registry: Registry) throws -> Forecast
}

/// What `unroll forecast` prints: for each target column, the forecast values in order.
public struct Forecast: Codable, Equatable {
    public var columns: [String]
    /// `values[k][c]`: step `k + 1` after the end, column `columns[c]`.
    public var values: [[Double]]
    /// Steps forecast directly (at most the model's horizon); later ones were fed back.
    public var direct: Int
}

extension ForecastingTask: ForecastsSeries {
    /// The most steps `forecast` takes: each is a pass of the model, and a recursive forecast
    /// that far past the data says little.
    public static let maxForecastSteps = 100_000

    public func forecast(_ b: ModelBundle, data: URL, steps: Int, registry: Registry) throws -> Forecast {
        guard (1...Self.maxForecastSteps).contains(steps) else {
            throw TaskError("steps must be 1 to \(Self.maxForecastSteps), got \(steps)")
        }
        let st = try state(b.description.taskState)
        // The CSV read as the bundle's source read its file (time column, columns, gaps).
        var config = (b.description.source?.foundationObject as? [String: Any]) ?? [:]
        let sourceName = config.removeValue(forKey: "source") as? String ?? "series"
        config["path"] = data.path
        let source = try registry.make(.datasetSource, sourceName, config: config, as: (any DatasetSource).self)
        guard case .series(let series) = try source.load(relativeTo: data.deletingLastPathComponent()) else {
            throw TaskError("\(sourceName) did not read a series")
        }
        guard series.names == st.columns else {
            throw TaskError(
                "the bundle was trained on columns \(st.columns), \(data.lastPathComponent) has \(series.names)")
        }
        guard series.values.count >= lookback else {
            throw TaskError("\(data.lastPathComponent) has \(series.values.count) steps; the model reads \(lookback)")
        }
        if steps > horizon && st.targets.count != st.columns.count {
            throw TaskError(
                "forecasting \(steps) steps with a horizon of \(horizon) feeds forecasts back as inputs, so every column must be a target"
            )
        }
        if series.values.suffix(lookback).contains(where: { $0.contains(where: \.isNaN) }) {
            throw TaskError(
                "\(data.lastPathComponent): the last \(lookback) steps, which the forecast reads, have a missing value")
        }
        var history = series.values
        var out: [[Double]] = []
        while out.count < steps {
            let window = Array(history.suffix(lookback))
            let line = window.flatMap { $0.map { String($0) } }.joined(separator: ",")
            guard let p = try predict(b, lines: [line], registry: registry).first else { break }
            let values = p.label.split(separator: ",").compactMap { Double($0) }
            let k = st.targets.count
            for h in 0..<horizon where out.count < steps {
                let row = Array(values[(h * k)..<((h + 1) * k)])
                out.append(row)
                if k == st.columns.count { history.append(row.map { Float($0) }) }
            }
        }
        return Forecast(columns: st.targets.map { st.columns[$0] }, values: out, direct: min(steps, horizon))
    }
}
