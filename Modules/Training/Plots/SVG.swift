import Foundation

/// Small SVG writers (no Python needed): line charts and a heat map, valid standalone XML.
public enum SVG {
    /// Escapes text for XML content and attributes.
    public static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    static func fmt(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-2 { return String(format: "%.0e", v) }
        return String(format: abs(v) < 1 ? "%.2f" : "%.3g", v)
    }

    /// Labels for the ticks of one axis, all with the same number of decimals — as many as the step
    /// between them needs (`0.25` → 2: 0.00, 0.25, 0.50; `0.5` → 1: 1.0, 1.5, 2.0; whole steps → 0)
    /// — or all in exponent form when the values are very large or small.
    public static func tickLabels(_ values: [Double]) -> [String] {
        guard values.count > 1 else { return values.map(fmt) }
        let step = zip(values.dropFirst(), values).map { $0 - $1 }.filter { $0 > 0 }.min() ?? 1
        let largest = values.map(abs).max() ?? 0
        if largest >= 1e5 || step < 1e-4 { return values.map { String(format: "%.1e", $0) } }
        var decimals = 0
        while decimals < 6
            && abs((step * pow(10, Double(decimals))).rounded() - step * pow(10, Double(decimals))) > 1e-6
                * max(1, step * pow(10, Double(decimals)))
        {
            decimals += 1
        }
        return values.map { String(format: "%.\(decimals)f", abs($0) < step * 1e-9 ? 0 : $0) }
    }

    /// "Nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 {
            out.append(t)
            t += step
        }
        return out
    }
}

/// A line chart of named series.
public struct LineChart {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed = false
        /// Series with the same colour key share a colour (e.g. `accuracy` and `val_accuracy`).
        public var colorKey: String?
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, colorKey: String? = nil) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.colorKey = colorKey
        }
    }
    public var title: String, xLabel: String, yLabel: String
    public var series: [Series]
    /// Logarithmic y axis (non-positive values are left out).
    public var logY = false
    /// Vertical lines at these x values, labelled at the top (the best epoch, the stopped epoch).
    public var markers: [(x: Double, label: String)] = []

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false,
        markers: [(x: Double, label: String)] = []
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.markers = markers
    }

    public func svg(width: Int = 760, height: Int = 400) -> String {
        let (l, r, t, b) = (64.0, 150.0, 36.0, 48.0)
        let pw = Double(width) - l - r
        let ph = Double(height) - t - b
        let pts = series.flatMap(\.points).filter { $0.y.isFinite && (!logY || $0.y > 0) }
        let xs = pts.map(\.x)
        let ys = pts.map { logY ? log10($0.y) : $0.y }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 {
            y0 -= 0.5
            y1 += 0.5
        }
        if logY {
            y0 = floor(y0)
            y1 = ceil(y1)
        } else {
            let pad = (y1 - y0) * 0.05
            y0 -= pad
            y1 += pad
        }
        func px(_ x: Double) -> Double { l + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { t + ph - ((logY ? log10(y) : y) - y0) / (y1 - y0) * ph }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(Int(l))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(SVG.escape(title))</text>\n"
        s += "<rect x=\"\(l)\" y=\"\(t)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#444\"/>\n"
        let yt: [Double] =
            logY
            ? Array(stride(from: y0, through: y1, by: max(1, ((y1 - y0) / 6).rounded(.up)))).map { pow(10, $0) }
            : SVG.ticks(y0, y1)
        let shown = yt.filter { v in py(v) >= t - 0.5 && py(v) <= t + ph + 0.5 }
        // a log axis's decades read best as 1e-03 … 1e+00; a linear axis's with equal decimals
        for (v, label) in zip(shown, logY ? shown.map(SVG.fmt) : SVG.tickLabels(shown)) {
            let y = py(v)
            s += "<line x1=\"\(l)\" y1=\"\(y)\" x2=\"\(l + pw)\" y2=\"\(y)\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(l - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label)</text>\n"
        }
        let xt = SVG.ticks(x0, x1, count: min(8, max(1, Int(x1 - x0))))
        for (v, label) in zip(xt, SVG.tickLabels(xt)) {
            s += "<text x=\"\(px(v))\" y=\"\(t + ph + 16)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        s +=
            "<text x=\"\(l + pw / 2)\" y=\"\(Double(height) - 10)\" text-anchor=\"middle\">\(SVG.escape(xLabel))</text>\n"
        s +=
            "<text x=\"16\" y=\"\(t + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(t + ph / 2))\">\(SVG.escape(yLabel + (logY ? " (log)" : "")))</text>\n"
        for (i, m) in markers.enumerated() where m.x >= x0 && m.x <= x1 {
            let x = px(m.x)
            s +=
                "<line x1=\"\(x)\" y1=\"\(t)\" x2=\"\(x)\" y2=\"\(t + ph)\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>\n"
            // labels alternate sides so two markers close together stay readable
            let anchor = i % 2 == 0 ? "end" : "start"
            s +=
                "<text x=\"\(x + (i % 2 == 0 ? -4 : 4))\" y=\"\(t + 14 + Double(i) * 14)\" text-anchor=\"\(anchor)\" fill=\"#555\">\(SVG.escape(m.label))</text>\n"
        }
        var keys: [String] = []
        for se in series where !keys.contains(se.colorKey ?? se.name) { keys.append(se.colorKey ?? se.name) }
        for (i, se) in series.enumerated() {
            let color = SVG.palette[(keys.firstIndex(of: se.colorKey ?? se.name) ?? i) % SVG.palette.count]
            let p = se.points.filter { $0.y.isFinite && (!logY || $0.y > 0) }.map { "\(px($0.x)),\(py($0.y))" }
            if p.count > 1 {
                s +=
                    "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(se.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(p.joined(separator: " "))\"/>\n"
            } else if let only = p.first {
                let c = only.split(separator: ",")
                s += "<circle cx=\"\(c[0])\" cy=\"\(c[1])\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let ly = t + 14 + Double(i) * 18
            s +=
                "<line x1=\"\(l + pw + 12)\" y1=\"\(ly - 4)\" x2=\"\(l + pw + 34)\" y2=\"\(ly - 4)\" stroke=\"\(color)\" stroke-width=\"2\"\(se.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            s += "<text x=\"\(l + pw + 40)\" y=\"\(ly)\">\(SVG.escape(se.name))</text>\n"
        }
        return s + "</svg>\n"
    }
}

/// A confusion-matrix heat map: rows actual, columns predicted, shade by the row's share.
public struct Heatmap {
    public var title: String
    public var labels: [String]
    public var counts: [[Int]]
    public init(title: String, labels: [String], counts: [[Int]]) {
        self.title = title
        self.labels = labels
        self.counts = counts
    }

    public func svg(cell: Int = 44) -> String {
        let n = counts.count
        let l = 90
        let t = 70
        let w = l + n * cell + 30
        let h = t + n * cell + 40
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(SVG.escape(title))</text>\n"
        s += "<text x=\"\(l + n * cell / 2)\" y=\"44\" text-anchor=\"middle\">predicted</text>\n"
        s +=
            "<text x=\"14\" y=\"\(t + n * cell / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(t + n * cell / 2))\">actual</text>\n"
        for i in 0..<n {
            let label = i < labels.count ? labels[i] : String(i)
            s +=
                "<text x=\"\(l + i * cell + cell / 2)\" y=\"\(t - 8)\" text-anchor=\"middle\">\(SVG.escape(label))</text>\n"
            s +=
                "<text x=\"\(l - 6)\" y=\"\(t + i * cell + cell / 2 + 4)\" text-anchor=\"end\">\(SVG.escape(label))</text>\n"
            let rowSum = max(1, counts[i].reduce(0, +))
            for j in 0..<n {
                let share = Double(counts[i][j]) / Double(rowSum)
                let shade = Int(255 - 200 * share)
                let fill = String(format: "#%02x%02xff", shade, shade)
                s +=
                    "<rect x=\"\(l + j * cell)\" y=\"\(t + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(fill)\" stroke=\"white\"/>\n"
                s +=
                    "<text x=\"\(l + j * cell + cell / 2)\" y=\"\(t + i * cell + cell / 2 + 4)\" text-anchor=\"middle\" fill=\"\(share > 0.6 ? "white" : "black")\">\(counts[i][j])</text>\n"
            }
        }
        return s + "</svg>\n"
    }
}

/// A matrix of weights in [0, 1] as shaded cells with the column labels on top and the row labels
/// on the left — a decoder's attention: rows the output tokens, columns the source tokens, each
/// row's weights summing to 1.
///
/// ```swift
/// WeightMap(title: "Attention", rows: ["5", "9", "6"], columns: ["5", "3", "5", "+", "6", "1"], weights: w).svg()
/// ```
public struct WeightMap {
    public var title: String
    public var rows: [String], columns: [String]
    public var weights: [[Double]]
    public init(title: String, rows: [String], columns: [String], weights: [[Double]]) {
        (self.title, self.rows, self.columns, self.weights) = (title, rows, columns, weights)
    }

    public func svg(cell: Int = 36) -> String {
        let l = 16 + 8 * min(16, rows.map(\.count).max() ?? 1)
        let t = 54 + 8 * min(16, columns.map(\.count).max() ?? 1)
        let w = max(l + columns.count * cell + 20, 320)
        let h = t + rows.count * cell + 20
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(SVG.escape(title))</text>\n"
        for (j, c) in columns.enumerated() {
            let x = l + j * cell + cell / 2
            s +=
                "<text x=\"\(x)\" y=\"\(t - 8)\" text-anchor=\"start\" transform=\"rotate(-60 \(x) \(t - 8))\">\(SVG.escape(c))</text>\n"
        }
        for (i, r) in rows.enumerated() {
            s +=
                "<text x=\"\(l - 6)\" y=\"\(t + i * cell + cell / 2 + 4)\" text-anchor=\"end\">\(SVG.escape(r))</text>\n"
            for j in columns.indices {
                let v = i < weights.count && j < weights[i].count ? min(1, max(0, weights[i][j])) : 0
                let shade = Int(255 - 215 * v)
                s +=
                    "<rect x=\"\(l + j * cell)\" y=\"\(t + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(String(format: "#%02x%02xff", shade, shade))\" stroke=\"white\"><title>\(SVG.escape(r)) ← \(SVG.escape(columns[j])): \(String(format: "%.3f", v))</title></rect>\n"
            }
        }
        return s + "</svg>\n"
    }
}
