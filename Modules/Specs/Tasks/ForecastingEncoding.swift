import Foundation

/// How a forecasting window becomes the model's numbers and back: the scale `s` and centre `c`
/// of each column (fitted on the training part only, saved in the bundle), the inputs' reading,
/// and the baseline `b` the targets are differenced from. For a window whose last step is `T`:
///
///     input step t:  (x_t − x_T) / s      inputs: relative
///                    (x_t − c) / s        inputs: levels
///                    (x_t − x_{t−1}) / s  inputs: differences (0 for the window's first step)
///     target T+h:    (y_{T+h} − b) / s    b = y_T (naive: first differencing),
///                                         y_{T+h−km} (seasonal_naive: seasonal differencing),
///                                         c (none: the scaled value itself)
///     forecast:      b + s · output       (the differencing undone)
///
/// `s`, `c` per scaling: `changes` — the standard deviation of the one-step changes and the mean;
/// `standard` — the standard deviation and mean of the values (a z-score); `minmax` — max − min
/// and the minimum (values in [0, 1] on the training part).
extension ForecastingTask {
    /// How values are scaled (fitted on the training part).
    public enum Scaling: String, Codable, CaseIterable, Sendable {
        case changes, standard, minmax
    }

    /// How a window's inputs read (see `ForecastingTask`'s encoding).
    public enum Inputs: String, Codable, CaseIterable, Sendable {
        case relative, levels, differences
    }

    /// Each column's scale and centre on the training rows `train` (gaps, NaN, skipped): the
    /// scale is never 0 (a constant column gets 1).
    func fitScaling(_ train: ArraySlice<[Float]>, columns: Int) -> (scale: [Float], center: [Float]) {
        func meanAndSD(_ v: [Float]) -> (Float, Float) {
            let mean = v.reduce(0, +) / Float(max(1, v.count))
            let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(max(1, v.count))).squareRoot()
            return (mean, sd)
        }
        let fitted = (0..<columns).map { c -> (Float, Float) in
            let values = train.map { $0[c] }.filter { !$0.isNaN }
            let (mean, sd) = meanAndSD(values)
            switch scaling {
            case .changes:
                // One-step changes; those across a gap (missing: drop) are NaN and left out.
                let rows = Array(train)
                let d = rows.indices.dropFirst().map { rows[$0][c] - rows[$0 - 1][c] }.filter { !$0.isNaN }
                return (meanAndSD(d).1, mean)
            case .standard: return (sd, mean)
            case .minmax:
                let (lo, hi) = (values.min() ?? 0, values.max() ?? 0)
                return (hi - lo, lo)
            }
        }
        return (fitted.map { $0.0 > 0 && $0.0.isFinite ? $0.0 : 1 }, fitted.map { $0.1.isFinite ? $0.1 : 0 })
    }

    /// A window's inputs, `[lookback · columns]` step-major, from its raw values (`lookback` rows).
    func encodeInputs(_ window: ArraySlice<[Float]>, state st: State) -> [Float] {
        let last = window[window.endIndex - 1]
        let columns = st.columns.count
        return window.indices.flatMap { t in
            (0..<columns).map { c -> Float in
                switch inputs {
                case .relative: return (window[t][c] - last[c]) / st.scale[c]
                case .levels: return (window[t][c] - st.centre(c)) / st.scale[c]
                case .differences:
                    return t == window.startIndex ? 0 : (window[t][c] - window[t - 1][c]) / st.scale[c]
                }
            }
        }
    }

    /// Target column `col`'s values over an encoded window, in the series' units: absolute when
    /// the window's last value `level` is known (or the inputs are levels), else relative to it.
    func decodeInputs(_ x: ArraySlice<Float>, col: Int, level: Float?, state st: State) -> [Float] {
        let columns = st.columns.count
        let s = st.scale[col]
        let read = (0..<lookback).map { x[x.startIndex + $0 * columns + col] * s }
        switch inputs {
        case .relative: return read.map { $0 + (level ?? 0) }
        case .levels:
            return read.map { $0 + st.centre(col) }
        case .differences:
            // Backwards from the last step: x_{t−1} = x_t − d_t.
            var out = [Float](repeating: level ?? 0, count: lookback)
            for t in Swift.stride(from: lookback - 1, to: 0, by: -1) { out[t - 1] = out[t] - read[t] }
            return out
        }
    }

    /// The baseline `b` of target column `col`, `h` steps ahead (0-based), given that column's
    /// raw window values (`lookback` of them, oldest first).
    func baselineValue(_ column: [Float], col: Int, h: Int, state st: State) -> Float {
        switch baseline {
        case .naive: return column[lookback - 1]
        case .seasonalNaive: return seasonalNaive(column, h: h)
        case .none: return st.centre(col)
        }
    }

    /// The seasonal-naive forecast of column values `column` (raw, `lookback` of them), `h` ahead.
    func seasonalNaive(_ column: [Float], h: Int) -> Float {
        let t = lookback + h - seasonsBack(h)
        return t >= 0 ? column[t] : column[lookback - 1]
    }
}

extension ForecastingTask.State {
    /// Column `c`'s centre (bundles from before the scalings had none: 0, which their encodings never read).
    func centre(_ c: Int) -> Float { center.map { $0[c] } ?? 0 }
}
