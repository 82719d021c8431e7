import Datasets
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// Forecasting: windows read relative to their last step, a chronological split, and errors in
/// the series' units beside the naive and seasonal-naive forecasts.
final class ForecastingTests: RunnerTestCase {
    /// Trend + a 12-step season + noise (σ 0.2).
    func writeSeries(_ name: String = "s.csv", steps: Int = 480) throws -> URL {
        var rng = SeededGenerator(seed: 3)
        let rows = (1...steps).map { t -> String in
            let noise = (rng.nextUnitFloat() + rng.nextUnitFloat() + rng.nextUnitFloat() - 1.5) * 0.4
            return "\(t),\(0.05 * Float(t) + 2 * sin(2 * Float.pi * Float(t) / 12) + noise)"
        }
        return try write(name, "t,value\n" + rows.joined(separator: "\n") + "\n")
    }

    func spec(_ extra: String = "") -> String {
        """
        seed: 2
        data: {source: series, path: s.csv, time_column: t}
        task: {type: forecasting, lookback: 24, horizon: 2, season: 12\(extra)}
        split: {test: 0.2, validation: 0.1}
        model: [{type: LSTM, units: 16}, {type: Dense, units: 2}]
        loss: mse
        optimizer: {type: adam, learning_rate: 0.01}
        epochs: 30
        verbosity: quiet
        output: out
        """
    }

    func testTheModelBeatsSeasonalNaiveOnTrendPlusSeason() throws {
        _ = try writeSeries()
        let url = try write("f.yaml", spec())
        XCTAssertEqual(try SpecLoader(registry: registry).load(url).taskName, "forecasting")
        let r = try runner.train(url)
        let m = r.test!.metrics
        XCTAssertLessThan(m["mase"]!, 1)
        XCTAssertLessThan(m["mase"]!, m["seasonal_naive_mase"]!)
        XCTAssertLessThan(m["mae_units"]!, m["naive_mae_units"]!)
        // Test windows forecast only steps after the cut: the last 96 of 480 steps, 2 ahead.
        XCTAssertEqual(try runner.evaluate(bundle: r.bundle).metrics["mae_units"]!, m["mae_units"]!, accuracy: 1e-6)
        // On a spec's data: the same test windows for the same spec; another task's spec is an
        // error naming both tasks, at the spec's data line.
        XCTAssertEqual(
            try runner.evaluate(bundle: r.bundle, spec: url).metrics["mae_units"]!, m["mae_units"]!, accuracy: 1e-6)
        _ = try write("t.tsv", "text\tlabel\ngood\tpos\nbad\tneg\n")
        let text = try write(
            "text.yaml",
            "data: {source: delimited, path: t.tsv, text_column: text, label_column: label}\ntext: {sequence_length: 4}\n"
                + "model: [{type: Embedding, output_dim: 3}, {type: GRU, units: 3}, {type: Dense, units: 2}]\n"
                + "loss: {type: sparse_categorical_crossentropy, from_logits: true}\n")
        XCTAssertThrowsError(try runner.evaluate(bundle: r.bundle, spec: text)) { e in
            XCTAssertTrue(
                "\(e)".contains(
                    "text.yaml:1:7: the bundle was trained for forecasting, and this spec's task is text_classification"
                ),
                "\(e)")
        }
        // predict: 24 values (oldest first) → the next two, near the pattern's continuation.
        let last = (457...480).map { t in 0.05 * Double(t) + 2 * sin(2 * Double.pi * Double(t) / 12) }
        let p = try runner.predict(bundle: r.bundle, texts: [last.map { String($0) }.joined(separator: ",")])
        let next = 0.05 * 481 + 2 * sin(2 * Double.pi * 481 / 12)
        XCTAssertEqual(p[0].value!, next, accuracy: 0.5)
        XCTAssertEqual(p[0].label.split(separator: ",").count, 2)
        // forecast: past the end of the series, directly for 2 steps, then fed back.
        let f = try runner.forecast(bundle: r.bundle, data: dir.appendingPathComponent("s.csv"), steps: 5)
        XCTAssertEqual(f.columns, ["value"])
        XCTAssertEqual(f.direct, 2)
        for (k, row) in f.values.enumerated() {
            let t = Double(481 + k)
            XCTAssertEqual(row[0], 0.05 * t + 2 * sin(2 * Double.pi * t / 12), accuracy: 0.6, "step \(k + 1)")
        }
        XCTAssertThrowsError(
            try runner.forecast(bundle: r.bundle, data: dir.appendingPathComponent("none.csv"), steps: 1))
        for steps in [0, 100_001, 1_000_000_000] {  // refused at once, not a billion passes
            XCTAssertThrowsError(
                try runner.forecast(bundle: r.bundle, data: dir.appendingPathComponent("s.csv"), steps: steps)
            ) { XCTAssertEqual("\($0)", "steps must be 1 to 100000, got \(steps)") }
        }
        // Correcting the seasonal-naive forecast instead of the last value: also better than it.
        let seasonal = try runner.train(try write("fs.yaml", spec(", baseline: seasonal_naive")), overwrite: true)
        XCTAssertLessThan(seasonal.test!.metrics["mase"]!, seasonal.test!.metrics["seasonal_naive_mase"]!)
        let q = try runner.predict(bundle: seasonal.bundle, texts: [last.map { String($0) }.joined(separator: ",")])
        XCTAssertEqual(q[0].value!, next, accuracy: 0.5)
    }

    /// sMAPE in percent, `mean(200·|F − A| / (|A| + |F|))`: the naive forecast's, computed here from
    /// the raw series, equals the report's; `evaluate` reads the windows' levels back from the bundle.
    func testSMAPEOfTheNaiveForecastMatchesAHandComputation() throws {
        let values = (0..<120).map { t in 10 + Double(t % 7) + 0.1 * Double(t) }
        _ = try write(
            "s.csv",
            "t,value\n" + values.enumerated().map { "\($0.offset + 1),\($0.element)" }.joined(separator: "\n") + "\n")
        let url = try write("f.yaml", spec().replacingOccurrences(of: "epochs: 30", with: "epochs: 1"))
        let r = try runner.train(url)
        let (n, lookback, horizon) = (120, 24, 2)
        let testStart = n - Int((Double(n) * 0.2).rounded())
        var terms: [Double] = []
        for s in (testStart - lookback)...(n - lookback - horizon) {
            for h in 0..<horizon {
                let (a, f) = (values[s + lookback + h], values[s + lookback - 1])
                terms.append(200 * abs(f - a) / (abs(a) + abs(f)))
            }
        }
        let want = terms.reduce(0, +) / Double(terms.count)
        let m = r.test!.metrics
        XCTAssertEqual(try XCTUnwrap(m["naive_smape"]), want, accuracy: 1e-4 * want)
        XCTAssertNotNil(m["smape"])
        XCTAssertNotNil(m["seasonal_naive_smape"])
        let again = try runner.evaluate(bundle: r.bundle).metrics
        XCTAssertEqual(try XCTUnwrap(again["smape"]), m["smape"]!, accuracy: 1e-9)
        // The report's chart: the actual values over the test part are the series' own.
        let b = try ModelBundle.load(r.bundle, registry: registry)
        let figures = try b.task.reportFigures(b)
        XCTAssertEqual(figures.map(\.id), ["forecast-0"])
        let windows = n - lookback - horizon - (testStart - lookback) + 1
        XCTAssertTrue(figures[0].svg.contains("actual") && figures[0].svg.contains("naive"))
        let polyline = try XCTUnwrap(figures[0].svg.components(separatedBy: "<polyline").dropFirst().first)
        XCTAssertEqual(
            polyline.split(separator: " ").filter { $0.contains(",") }.count, windows, "one point per test window")
    }

    /// `missing: drop` keeps a gap and leaves out exactly the windows that touch it; the forecast
    /// from a series whose last window has a gap is an error.
    func testDroppedGapsLeaveOutTheWindowsThatTouchThem() throws {
        _ = try writeSeries(steps: 200)
        var text = try String(contentsOf: dir.appendingPathComponent("s.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        // Steps 50 and 180 (lines 51 and 181 after the header) lose their value: one gap in the
        // training part, one in the test part.
        for step in [50, 180] { text[step] = text[step].split(separator: ",")[0] + "," }
        try Data((text.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("s.csv"))
        let kept = try NumericSeries.load(dir.appendingPathComponent("s.csv"), timeColumn: "t", missing: .drop)
        XCTAssertEqual(kept.gaps, 2)
        XCTAssertTrue(kept.values[49][0].isNaN)
        let url = try write(
            "d.yaml",
            spec().replacingOccurrences(of: "time_column: t}", with: "time_column: t, missing: drop}")
                .replacingOccurrences(of: "epochs: 30", with: "epochs: 1"))
        let data = try SpecLoader(registry: registry).load(url).prepareData()
        // Without gaps: windows start at 0…174 (24 in, 2 ahead); training windows end by the cut
        // at step 160, test windows forecast steps from 160 on. Each gap removes the 26 windows
        // that contain it.
        let (lookback, horizon, testStart) = (24, 2, 160)
        func touches(_ s: Int) -> Bool { [49, 179].contains { $0 >= s && $0 < s + lookback + horizon } }
        let starts = Array(0...(200 - lookback - horizon))
        let train = starts.filter { $0 + lookback + horizon <= testStart && !touches($0) }
        let test = starts.filter { $0 + lookback >= testStart && !touches($0) }
        XCTAssertEqual(data.xTrain.shape[0], train.count)
        XCTAssertEqual(data.xTest.shape[0], test.count)
        XCTAssertFalse(data.xTrain.scalars.contains { $0.isNaN } || data.yTest.scalars.contains { $0.isNaN })
        let r = try runner.train(url)
        XCTAssertTrue(r.test!.metrics["mae_units"]!.isFinite)
        var gapAtEnd = text
        gapAtEnd[200] = gapAtEnd[200].split(separator: ",")[0] + ","
        try Data((gapAtEnd.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("end.csv"))
        XCTAssertThrowsError(
            try runner.forecast(bundle: r.bundle, data: dir.appendingPathComponent("end.csv"), steps: 1)
        ) {
            XCTAssertTrue(
                "\($0)".contains("the last 24 steps, which the forecast reads, have a missing value"), "\($0)")
        }
    }

    /// Bad series: a non-number, a time out of order, a gap without interpolation, too few steps.
    func testBadSeriesAreErrorsWithTheirLine() throws {
        let bad = try write("b.csv", "t,v\n1,1.0\n2,x\n")
        XCTAssertThrowsError(try NumericSeries.load(bad, timeColumn: "t")) { e in
            XCTAssertEqual("\(e)", "\(bad.path):3: v is not a number: 'x'")
        }
        let order = try write("o.csv", "t,v\n1,1.0\n3,2\n2,3\n")
        XCTAssertThrowsError(try NumericSeries.load(order, timeColumn: "t")) { e in
            XCTAssertTrue("\(e)".contains(":4: time '2' does not come after '3'"), "\(e)")
        }
        let gap = try write("g.csv", "t,v\n1,1.0\n2,\n3,3.0\n")
        XCTAssertThrowsError(try NumericSeries.load(gap, timeColumn: "t")) { e in
            XCTAssertTrue("\(e)".contains(":3: v is missing"), "\(e)")
        }
        let filled = try NumericSeries.load(gap, timeColumn: "t", missing: .interpolate)
        XCTAssertEqual(filled.values.map { $0[0] }, [1, 2, 3])
        XCTAssertEqual(filled.interpolated, 1)
        _ = try writeSeries(steps: 20)
        XCTAssertThrowsError(try runner.train(try write("short.yaml", spec()))) { e in
            XCTAssertTrue("\(e)".contains("the series has 20 steps, fewer than lookback + horizon = 26"), "\(e)")
        }
        // A season as long as the training part (found by the fuzzer: it crashed) is an error at it.
        _ = try writeSeries(steps: 40)
        XCTAssertThrowsError(
            try runner.train(
                try write("long.yaml", spec().replacingOccurrences(of: "season: 12", with: "season: 1000")))
        ) { e in
            XCTAssertTrue(
                "\(e)".contains("long.yaml:3:61: season 1000 is not shorter than the training part (32 steps)"),
                "\(e)")
        }
        // Early stopping on a validation figure with no validation part is an error at the
        // callback before training, not after the first epoch.
        let noValidation = spec() + "\ncallbacks: [{type: early_stopping, monitor: val_loss}]\n"
        XCTAssertThrowsError(try runner.train(try write("nv.yaml", noValidation))) { e in
            XCTAssertTrue(
                "\(e)".contains("nv.yaml:11:")
                    && "\(e)".contains("early_stopping monitors 'val_loss', but the validation part is empty"),
                "\(e)")
        }
        // A task field out of range is an error at its column of the task line.
        XCTAssertThrowsError(try SpecLoader(registry: registry).load(try write("h0.yaml", spec(", stride: 0")))) { e in
            XCTAssertTrue("\(e)".contains("h0.yaml:3:73: 'stride' must be 1 to 2147483647, got 0"), "\(e)")
        }
        // A horizon of Int.max (the fuzzer's: lookback + horizon overflowed) is refused the same way.
        let huge = spec().replacingOccurrences(of: "horizon: 2", with: "horizon: 9223372036854775807")
        XCTAssertThrowsError(try SpecLoader(registry: registry).load(try write("h1.yaml", huge))) { e in
            XCTAssertTrue("\(e)".contains("'horizon' must be 1 to 2147483647, got 9223372036854775807"), "\(e)")
        }
    }
    /// Every scaling × input reading × baseline: the inputs and targets are the encoding's
    /// formulas with `s` and `c` fitted on the training part only; undone, the naive and
    /// seasonal-naive errors are the same whatever the encoding (they are the series' own), and
    /// the model's test error equals the one `predict` gives on the raw windows.
    func testEveryEncodingIsFittedOnTheTrainingPartAndUndoneOnOutput() throws {
        let n = 120
        let values = (0..<n).map { t -> Float in
            let bump: Float = t % 3 == 0 ? 0.5 : 0
            return Float(10 + t % 7) + 0.1 * Float(t) + bump
        }
        _ = try write(
            "s.csv",
            "t,value\n" + values.enumerated().map { "\($0.offset + 1),\($0.element)" }.joined(separator: "\n") + "\n")
        let (lookback, horizon, season) = (24, 2, 12)
        let testStart = n - Int((Double(n) * 0.2).rounded())
        let train = Array(values[..<testStart])
        func meanSD(_ v: [Float]) -> (Float, Float) {
            let m = v.reduce(0, +) / Float(v.count)
            return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(v.count)).squareRoot())
        }
        let changes = (1..<train.count).map { train[$0] - train[$0 - 1] }
        let fitted: [String: (s: Float, c: Float)] = [
            "changes": (meanSD(changes).1, meanSD(train).0), "standard": (meanSD(train).1, meanSD(train).0),
            "minmax": (train.max()! - train.min()!, train.min()!),
        ]
        var naive: [Double] = []
        var seasonal: [Double] = []
        for scaling in ["changes", "standard", "minmax"] {
            for inputs in ["relative", "levels", "differences"] {
                for baseline in ["naive", "seasonal_naive", "none"] {
                    let name = "\(scaling)-\(inputs)-\(baseline)"
                    let text = spec(", scaling: \(scaling), inputs: \(inputs), baseline: \(baseline)")
                        .replacingOccurrences(of: "epochs: 30", with: "epochs: 1")
                        .replacingOccurrences(of: "units: 16", with: "units: 4")
                        .replacingOccurrences(of: "output: out", with: "output: \(name)")
                    let url = try write("\(name).yaml", text)
                    let data = try SpecLoader(registry: registry).load(url).prepareData()
                    let (s, c) = fitted[scaling]!
                    // The first training window: steps 0..<24, forecasting steps 24 and 25.
                    let window = Array(values[0..<lookback])
                    let want = window.indices.map { t -> Float in
                        switch inputs {
                        case "relative": return (window[t] - window[lookback - 1]) / s
                        case "levels": return (window[t] - c) / s
                        default: return t == 0 ? 0 : (window[t] - window[t - 1]) / s
                        }
                    }
                    let x = Array(data.xTrain.scalars[0..<lookback])
                    for t in 0..<lookback { XCTAssertEqual(x[t], want[t], accuracy: 1e-4, "\(name) input \(t)") }
                    for h in 0..<horizon {
                        let base =
                            baseline == "naive"
                            ? window[lookback - 1] : baseline == "none" ? c : window[lookback + h - season]
                        XCTAssertEqual(
                            data.yTrain.scalars[h], (values[lookback + h] - base) / s, accuracy: 1e-4,
                            "\(name) target \(h)")
                    }
                    let r = try runner.train(url)
                    let m = r.test!.metrics
                    naive.append(m["naive_mae_units"]!)
                    seasonal.append(m["seasonal_naive_mae_units"]!)
                    // The model's error from `predict` on each test window's raw values.
                    let starts = Array((testStart - lookback)...(n - lookback - horizon))
                    let lines = starts.map { st in values[st..<(st + lookback)].map { "\($0)" }.joined(separator: ",") }
                    let p = try runner.predict(bundle: r.bundle, texts: lines)
                    var errors: [Double] = []
                    for (k, st) in starts.enumerated() {
                        let f = p[k].label.split(separator: ",").map { Double($0)! }
                        for h in 0..<horizon { errors.append(abs(f[h] - Double(values[st + lookback + h]))) }
                    }
                    let mae = errors.reduce(0, +) / Double(errors.count)
                    XCTAssertEqual(m["mae_units"]!, mae, accuracy: 1e-3 * max(1, mae), name)
                }
            }
        }
        for v in naive { XCTAssertEqual(v, naive[0], accuracy: 1e-4) }
        for v in seasonal { XCTAssertEqual(v, seasonal[0], accuracy: 1e-4) }
        XCTAssertGreaterThan(naive[0], 0.5)  // not trivially zero: the series moves
    }

    /// Min-max scaling with differenced inputs also beats the seasonal-naive forecast.
    func testMinMaxScalingWithDifferencedInputsBeatsSeasonalNaive() throws {
        _ = try writeSeries()
        let r = try runner.train(try write("f.yaml", spec(", scaling: minmax, inputs: differences")))
        let m = r.test!.metrics
        XCTAssertLessThan(m["mase"]!, m["seasonal_naive_mase"]!)
        XCTAssertLessThan(m["mae_units"]!, m["naive_mae_units"]!)
    }
}
