import Foundation

/// A numeric time series: one or more value columns over time steps, oldest first (sensor
/// readings, prices, CO₂ concentrations), from a CSV with a header row.
public struct NumericSeries: Sendable {
    /// The value columns' names.
    public var names: [String]
    /// `values[t][c]`: column `c` at step `t`.
    public var values: [[Float]]
    /// Each step's time as written (empty without a time column).
    public var times: [String]
    public var path: String
    /// How many missing values were filled by interpolation.
    public var interpolated = 0
    /// How many missing values are left as gaps (NaN) under `.drop`.
    public var gaps = 0

    /// What to do with an empty value.
    public enum Missing: String, Codable, CaseIterable, Sendable {
        /// An error naming the line and column.
        case error
        /// Linear interpolation between the neighbouring values (the nearest one at either end).
        case interpolate
        /// Kept as a gap (NaN): the windows that touch it are left out (forecasting).
        case drop
    }

    /// Reads `columns` (default: every column but `timeColumn`). A value that is not a finite
    /// number, a ragged row, or a missing value under `.error` is an error with its line (under
    /// `.drop` it stays NaN); a time
    /// column written as numbers (`19580329`, `1700`) or ISO dates (`1958-03-29`) must increase.
    public static func load(_ url: URL, timeColumn: String = "", columns: [String] = [], missing: Missing = .error)
        throws -> NumericSeries
    {
        let (table, _) = try DelimitedTable.load(url, delimiter: ",", header: true, onBadRecord: .fail)
        let time = timeColumn.isEmpty ? nil : try table.column(timeColumn)
        let names = columns.isEmpty ? table.columns.filter { $0 != timeColumn } : columns
        guard !names.isEmpty else { throw DataError.io(path: url.path, message: "no value column") }
        let index = try names.map { try table.column($0) }
        var values: [[Float]] = []
        var gaps = 0
        for (r, row) in table.rows.enumerated() {
            values.append(
                try zip(names, index).map { name, c in
                    let field = row[c].trimmingCharacters(in: .whitespaces)
                    if field.isEmpty || field.uppercased() == "NA" || field.uppercased() == "NAN" {
                        guard missing != .error else {
                            throw DataError.record(
                                path: url.path, line: table.lines[r],
                                message:
                                    "\(name) is missing (use missing: interpolate to fill gaps, or drop to leave out the windows that touch them)"
                            )
                        }
                        gaps += 1
                        return .nan
                    }
                    guard let v = Float(field), v.isFinite else {
                        throw DataError.record(
                            path: url.path, line: table.lines[r],
                            message: "\(name) is not a number: '\(field.prefix(30))'")
                    }
                    return v
                })
        }
        guard !values.isEmpty else { throw DataError.io(path: url.path, message: "no rows") }
        let times = time.map { t in table.rows.map { $0[t] } } ?? []
        try checkOrder(times, lines: table.lines, path: url.path)
        // Fill each column's gaps linearly (or leave them, under .drop).
        for c in names.indices {
            let known = values.indices.filter { !values[$0][c].isNaN }
            guard let first = known.first else {
                throw DataError.io(path: url.path, message: "column \(names[c]) has no values")
            }
            if missing == .drop { continue }
            var previous = first
            for t in values.indices where values[t][c].isNaN {
                let next = known.first { $0 > t }
                if let p = known.last(where: { $0 < t }) { previous = p }
                switch (t < first, next) {
                case (true, _): values[t][c] = values[first][c]
                case (false, nil): values[t][c] = values[previous][c]
                case (false, let n?):
                    let w = Float(t - previous) / Float(n - previous)
                    values[t][c] = values[previous][c] * (1 - w) + values[n][c] * w
                }
            }
        }
        return NumericSeries(
            names: names, values: values, times: times, path: url.path, interpolated: missing == .drop ? 0 : gaps,
            gaps: missing == .drop ? gaps : 0)
    }

    static func checkOrder(_ times: [String], lines: [Int], path: String) throws {
        let numbers = times.map { Double($0.trimmingCharacters(in: .whitespaces)) }
        let iso = times.allSatisfy { $0.range(of: #"^\d{4}-\d{2}-\d{2}"#, options: .regularExpression) != nil }
        for i in times.indices.dropFirst() {
            let ordered: Bool
            if let a = numbers[i - 1], let b = numbers[i] {
                ordered = a < b
            } else if iso {
                ordered = times[i - 1] < times[i]
            } else {
                continue  // times we cannot compare are taken in file order
            }
            guard ordered else {
                throw DataError.record(
                    path: path, line: lines[i],
                    message:
                        "time '\(times[i])' does not come after '\(times[i - 1])' (the series must be in time order)")
            }
        }
    }
}
