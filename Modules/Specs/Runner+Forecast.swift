import Foundation
import PluginRegistry
import Training

/// `unroll forecast`.
extension Runner {
    /// Forecasts `steps` steps past the end of the series in `data` with a bundle whose task
    /// forecasts (`ForecastsSeries`).
    public func forecast(bundle dir: URL, data: URL, steps: Int) throws -> Forecast {
        let b = try loadBundle(dir)
        guard let task = b.task as? any ForecastsSeries else {
            throw TaskError(
                "this bundle's task (\(b.description.task ?? b.description.form)) does not forecast a series")
        }
        return try task.forecast(b, data: data, steps: steps, registry: registry)
    }
}
