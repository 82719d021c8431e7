import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `forecasting`: the next `horizon` steps of a numeric series from the `lookback` steps before
/// them (the notes' time series: sensors, prices), direct multi-output.
///
/// Data: a source of form `series` (`series`). Inputs `[lookback, columns]` and targets
/// `[horizon · targets]` (step-major) are encoded with each column's scale `s` and centre `c`,
/// fitted on the training part only and saved in the bundle (`scaling`: `changes`, `standard`,
/// `minmax`); by default inputs read `(x_t − x_last) / s` and targets `(y_{last+h} − y_last) / s`,
/// so a level the training part never reached — a trend — reads like any other. `inputs`
/// chooses relative, level or differenced inputs, and `baseline` the targets' differencing
/// (`naive`, `seasonal_naive`, `none`); a forecast is `b + s · output`. The formulas are in
/// `ForecastingEncoding.swift`.
/// Windows every `stride` steps. The split is chronological: windows whose targets lie in the last
/// `split.test` of the series are the test part, windows straddling the cut are left out, nothing
/// is shuffled across it, and the validation rows are the last training windows. The model ends
/// in `Dense(units: horizon · targets)` without an activation, with a loss that reads values
/// (`mse`). The test report gives MAE, RMSE (the series' units) and MASE (scaled by the
/// seasonal-naive error on the training part) for the model and for the naive (last value) and
/// seasonal-naive (`season` steps back) forecasts. `predict` reads `lookback · columns`
/// comma-separated values (step by step, oldest first) and prints the forecast.
public struct ForecastingTask: LearningTask, PluginConfig {
    public var lookback = 24, horizon = 1, stride = 1
    /// The columns to forecast (default: every value column).
    public var targets: [String] = []
    /// The season's length in steps (52 weekly, 12 monthly) for the seasonal-naive forecast and
    /// MASE; 1: no season (naive).
    public var season = 1
    /// What the model forecasts the change from (the targets' differencing): `naive` (the
    /// window's last value), `seasonal_naive` (the value a whole number of seasons before each
    /// target step) — so the model learns a correction to that forecast — or `none` (the centre
    /// `c`: the model forecasts the scaled value itself).
    public enum Baseline: String, Codable, CaseIterable, Sendable {
        case naive
        case seasonalNaive = "seasonal_naive"
        case none
    }
    public var baseline = Baseline.naive
    /// How values are scaled: `changes` (by the spread of one-step changes), `standard`
    /// (z-score) or `minmax` (to [0, 1]), fitted on the training part.
    public var scaling = Scaling.changes
    /// How the inputs read: `relative` to the window's last step, scaled `levels`, or one-step
    /// `differences`.
    public var inputs = Inputs.relative
    public init() {}

    public static var fieldDocs: [String: String] {
        [
            "lookback": "steps the model reads", "horizon": "steps it forecasts (direct, one output each)",
            "stride": "steps between windows", "targets": "columns to forecast (default all)",
            "season": "season length in steps for seasonal naive and MASE (1: none)",
            "baseline": "naive, seasonal_naive or none: the forecast the model corrects (the targets' differencing)",
            "scaling": "changes, standard or minmax: how values are scaled (fitted on the training part)",
            "inputs": "relative, levels or differences: how a window's inputs read",
        ]
    }

    public func checkFields() throws {
        // At most BLAS's largest extent, so that sums such as lookback + horizon cannot overflow.
        for (field, value) in [("lookback", lookback), ("horizon", horizon), ("stride", stride), ("season", season)]
        where !(1...MemoryBudget.maxExtent).contains(value) {
            throw ConfigError.invalidValue(
                field: field, message: "must be 1 to \(MemoryBudget.maxExtent), got \(value)")
        }
    }

    public func reads(_ form: DataForm) -> Bool { form == .series }
    public func isDefault(for form: DataForm) -> Bool { form == .series }
    public var perStep: Bool { false }
    public var inputSizeFromData: Bool { true }
    public var defaultMetrics: [String] { [] }  // the test report gives the errors in the series' units
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        try checkFields()  // a task built in code, not through the registry, is checked here
        if baseline == .seasonalNaive && lookback < seasonsBack(horizon - 1) {
            throw TaskError(
                "baseline seasonal_naive reads \(seasonsBack(horizon - 1)) steps back, more than lookback \(lookback)")
        }
        return [lookback, 1]  // the column count comes with the file
    }
    public func reading(loss: any Loss, outputShape: [Int]) -> TaskKind { .regression }
    public func outputWidth(for data: PreparedData, loss: (any Loss)?) -> Int { data.classNames.count }
    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        classes.count == outputs ? nil : "\(classes.count) forecast names for \(outputs) outputs"
    }
    public func describe(_ data: PreparedData) -> String {
        "data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test windows of \(lookback) steps × \(data.inputShape.last ?? 0) columns, forecasting \(data.classNames.count) values (\(horizon) step\(horizon == 1 ? "" : "s") ahead)"
    }

    /// The fitted scales and the layout, saved in the bundle (`task_state`).
    struct State: Codable {
        var columns: [String], targets: [Int]
        /// Each column's scale `s` on the training part (for `changes`, the one-step changes'
        /// standard deviation).
        var scale: [Float]
        /// Each column's centre `c` (mean, or minimum for `minmax`); nil in older bundles.
        var center: [Float]?
        /// The training part's seasonal-naive mean absolute error per target (MASE's denominator).
        var naiveError: [Float]
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .series(let series) = loaded else { throw spec.wrongForm(loaded, self) }
        if let loss = fixed?.loss ?? spec.loss.made as? any Loss, loss.targets != .values {
            throw spec.mismatch(
                spec.loss.node, "forecasting predicts values, but \(spec.loss.name) reads classes",
                hint: "use loss: mse")
        }
        let n = series.values.count
        let columns = series.names.count
        guard n >= lookback + horizon else {
            throw spec.mismatch(
                spec.data.node, "the series has \(n) steps, fewer than lookback + horizon = \(lookback + horizon)")
        }
        let targets = try (targets.isEmpty ? series.names : targets).map { t -> Int in
            guard let i = series.names.firstIndex(of: t) else {
                throw spec.mismatch(
                    spec.root["task"] ?? spec.data.node,
                    "target '\(t)' is not a column (\(series.names.joined(separator: ", ")))")
            }
            return i
        }
        // The cut: the last split.test of the steps is the test part.
        let testStart = max(lookback + horizon, n - Int((Double(n) * spec.split.test).rounded()))
        let train = series.values[..<testStart]
        var st: State
        if let f = try fixed?.taskState.map({ try state($0) }) {
            guard f.columns == series.names else {
                throw spec.mismatch(
                    spec.data.node, "the bundle was trained on columns \(f.columns), this data has \(series.names)")
            }
            st = f  // the bundle's scales, never refitted
        } else {
            guard season < train.count else {
                let taskNode = spec.root["task"] ?? spec.data.node
                throw spec.mismatch(
                    taskNode["season"] ?? taskNode,
                    "season \(season) is not shorter than the training part (\(train.count) steps): the seasonal-naive "
                        + "error that scales MASE needs at least one step a season back")
            }
            let (scale, center) = fitScaling(train, columns: columns)
            let naiveError = targets.map { c -> Float in
                let d = (season..<train.count).map { abs(train[$0][c] - train[$0 - season][c]) }.filter { !$0.isNaN }
                return d.isEmpty ? 1 : max(d.reduce(0, +) / Float(d.count), 1e-12)
            }
            st = State(columns: series.names, targets: targets, scale: scale, center: center, naiveError: naiveError)
        }
        // Windows: starts s, inputs s..<s+lookback, targets the next horizon steps.
        var trainX: [Float] = []
        var trainY: [Float] = []
        var testX: [Float] = []
        var testY: [Float] = []
        var testLevels: [Float] = []  // each test window's last value per target (for sMAPE)
        var (nTrain, nTest) = (0, 0)
        for s in Swift.stride(from: 0, through: n - lookback - horizon, by: stride) {
            // A window that touches a gap (missing: drop) is left out.
            if series.gaps > 0,
                series.values[s..<(s + lookback + horizon)].contains(where: { $0.contains(where: \.isNaN) })
            {
                continue
            }
            let window = series.values[s..<(s + lookback)]
            let last = window[window.endIndex - 1]
            let x = encodeInputs(window, state: st)
            let end = s + lookback + horizon
            let y = (0..<horizon).flatMap { h in
                targets.map { c in
                    let base = baselineValue(window.map { $0[c] }, col: c, h: h, state: st)
                    return (series.values[s + lookback + h][c] - base) / st.scale[c]
                }
            }
            // Training windows forecast steps before the cut, test windows steps after it (their
            // inputs may reach back before it); a window whose targets straddle the cut is neither.
            if end <= testStart {
                trainX += x
                trainY += y
                nTrain += 1
            } else if s + lookback >= testStart {
                testX += x
                testY += y
                testLevels += targets.map { last[$0] }
                nTest += 1
            }
        }
        guard nTrain > 0 else {
            throw spec.mismatch(
                spec.data.node, "no training window fits before the test part; lower lookback or split.test")
        }
        let names = (0..<horizon).flatMap { h in targets.map { "\(series.names[$0])+\(h + 1)" } }
        var data = PreparedData(
            xTrain: try Tensor(shape: [nTrain, lookback, columns], scalars: trainX),
            yTrain: try Tensor(shape: [nTrain, names.count], scalars: trainY),
            xTest: try Tensor(shape: [nTest, lookback, columns], scalars: testX),
            yTest: try Tensor(shape: [nTest, names.count], scalars: testY), inputShape: [lookback, columns],
            classNames: names, pipeline: nil, vocabularySize: nil, perStep: false, form: .series)
        data.taskState = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(st))
        data.testReference = try Tensor(shape: [nTest, targets.count], scalars: testLevels)
        return data
    }

    /// Steps from a target `h` steps ahead (0-based) back to the same point of an earlier season
    /// inside the window.
    func seasonsBack(_ h: Int) -> Int { season * Int((Double(h + 1) / Double(season)).rounded(.up)) }

    func state(_ json: JSONValue?) throws -> State {
        guard let json else { throw TaskError("this bundle has no forecasting state (task_state); retrain it") }
        return try JSONDecoder().decode(State.self, from: JSONEncoder().encode(json))
    }

    /// One forecast of the test part: window `w`, `h` steps ahead, target `j`; the actual value and
    /// the model's, naive and seasonal-naive forecasts, relative to the window's last value (add
    /// `level`, when known, for the series' own values).
    struct TestForecast {
        var w: Int, h: Int, j: Int
        var actual: Float
        var forecasts: [String: Float]
        var level: Float?
    }

    /// Every forecast of the test windows `x`, `y` (`levels`: each window's last value per target).
    func testForecasts(model: Model, x xt: Tensor, y yt: Tensor, levels lt: Tensor?, state st: State) throws
        -> [TestForecast]
    {
        let n = xt.shape[0]
        guard n > 0 else { return [] }
        let k = st.targets.count
        let columns = st.columns.count
        let predicted = try model.predict(xt).scalars
        let (x, y) = (xt.scalars, yt.scalars)
        let levels = lt.flatMap { $0.shape == [n, k] ? $0.scalars : nil }
        if baseline == .none && levels == nil && inputs != .levels {
            throw TaskError(
                "baseline none needs the test windows' levels, which this bundle does not store; retrain it")
        }
        let width = lookback * columns
        var out: [TestForecast] = []
        for w in 0..<n {
            for (j, col) in st.targets.enumerated() {
                // The column's window in the series' units, absolute when its last value is known
                // (else relative to it); everything below is then taken relative to that last value.
                let level: Float? = inputs == .levels ? nil : levels.map { $0[w * k + j] }
                let column = decodeInputs(x[(w * width)..<((w + 1) * width)], col: col, level: level, state: st)
                let last = column[lookback - 1]
                for h in 0..<horizon {
                    let s = st.scale[col]
                    let base = baselineValue(column, col: col, h: h, state: st) - last
                    let i = w * horizon * k + h * k + j
                    out.append(
                        TestForecast(
                            w: w, h: h, j: j, actual: base + y[i] * s,
                            forecasts: [
                                "model": base + predicted[i] * s, "naive": 0,
                                "seasonal_naive": seasonalNaive(column, h: h) - last,
                            ], level: level ?? (inputs == .levels ? last : nil)))
                }
            }
        }
        return out
    }

    /// Model, naive and seasonal-naive forecasts on the test windows: MAE and RMSE in the
    /// series' units, MASE, and sMAPE in percent, `mean(200·|F − A| / (|A| + |F|))` over the
    /// forecasts whose actual and forecast values are not both 0 (when the windows' levels are
    /// known: `data.testReference`).
    public func testMetrics(model: Model, data: PreparedData) throws -> [String: Double] {
        let st = try state(data.taskState)
        guard data.xTest.shape[0] > 0 else { return [:] }
        var errors: [String: [Double]] = ["model": [], "naive": [], "seasonal_naive": []]
        var scaled: [String: [Double]] = ["model": [], "naive": [], "seasonal_naive": []]
        var percent: [String: [Double]] = ["model": [], "naive": [], "seasonal_naive": []]
        for f in try testForecasts(model: model, x: data.xTest, y: data.yTest, levels: data.testReference, state: st) {
            for (name, forecast) in f.forecasts {
                let e = Double(abs(forecast - f.actual))
                errors[name]!.append(e)
                scaled[name]!.append(e / Double(st.naiveError[f.j]))
                if let level = f.level {  // back to the series' own values: level + relative
                    let (a, p) = (Double(level + f.actual), Double(level + forecast))
                    if abs(a) + abs(p) > 0 { percent[name]!.append(200 * abs(p - a) / (abs(a) + abs(p))) }
                }
            }
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }
        var out: [String: Double] = [:]
        for name in ["model", "naive", "seasonal_naive"] {
            let prefix = name == "model" ? "" : "\(name)_"
            out["\(prefix)mae_units"] = mean(errors[name]!)
            out["\(prefix)rmse_units"] = mean(errors[name]!.map { $0 * $0 }).squareRoot()
            out["\(prefix)mase"] = mean(scaled[name]!)
            if !percent[name]!.isEmpty { out["\(prefix)smape"] = mean(percent[name]!) }
        }
        return out
    }

    /// The report's chart: over the test part, the actual values of each target one step ahead,
    /// with the model's and the naive forecasts (in the series' units; needs the windows' levels,
    /// stored with the test split).
    public func reportFigures(_ bundle: ModelBundle) throws -> [BundleReport.Figure] {
        guard let split = try bundle.testSplitWithReference(), let levels = split.reference else { return [] }
        let st = try state(bundle.description.taskState)
        let all = try testForecasts(model: bundle.model, x: split.x, y: split.y, levels: levels, state: st)
        return st.targets.indices.map { j in
            let first = all.filter { $0.h == 0 && $0.j == j }
            func series(_ name: String, _ value: (TestForecast) -> Float, dashed: Bool) -> LineChart.Series {
                LineChart.Series(
                    name: name, points: first.map { (Double($0.w + 1), Double(($0.level ?? 0) + value($0))) },
                    dashed: dashed)
            }
            let column = st.columns[st.targets[j]]
            let chart = LineChart(
                title: "Test part: \(column), one step ahead", xLabel: "test window (in time order)",
                yLabel: column,
                series: [
                    series("actual", { $0.actual }, dashed: false),
                    series("model", { $0.forecasts["model"]! }, dashed: true),
                    series("naive", { $0.forecasts["naive"]! }, dashed: true),
                ])
            return BundleReport.Figure(
                id: "forecast-\(j)", title: "Actual against forecast, test part (\(column))", svg: chart.svg())
        }
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        let st = try state(b.description.taskState)
        let columns = st.columns.count
        var windows: [[[Float]]] = []
        let rows = try lines.enumerated().map { i, line -> [Float] in
            let v = try line.split(separator: ",").map { f -> Float in
                guard let v = Float(f.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw TaskError("line \(i + 1): '\(f)' is not a number")
                }
                return v
            }
            guard v.count == lookback * columns else {
                throw TaskError(
                    "line \(i + 1): the model reads \(lookback) steps × \(columns) columns = \(lookback * columns) values, the line has \(v.count)"
                )
            }
            let window = (0..<lookback).map { Array(v[($0 * columns)..<(($0 + 1) * columns)]) }
            windows.append(window)
            return encodeInputs(window[...], state: st)
        }
        let out = try b.model.predict(
            try Tensor(shape: [lines.count, lookback, columns], scalars: rows.flatMap { $0 }))
        let width = out.count / max(1, lines.count)
        return lines.enumerated().map { i, line in
            let values = (0..<width).map { j -> Double in
                let col = st.targets[j % st.targets.count]
                let base = baselineValue(windows[i].map { $0[col] }, col: col, h: j / st.targets.count, state: st)
                return Double(base + out.scalars[i * width + j] * st.scale[col])
            }
            return Runner.Prediction(
                text: line, label: values.map { String(format: "%.6g", $0) }.joined(separator: ","),
                probabilities: [:], value: values.first)
        }
    }
}
