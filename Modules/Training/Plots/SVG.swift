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

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
    }

    public func svg(width: Int = 640, height: Int = 360) -> String {
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
        for v in yt {
            let y = py(v)
            guard y >= t - 0.5 && y <= t + ph + 0.5 else { continue }
            s += "<line x1=\"\(l)\" y1=\"\(y)\" x2=\"\(l + pw)\" y2=\"\(y)\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(l - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(SVG.fmt(v))</text>\n"
        }
        for v in SVG.ticks(x0, x1, count: min(8, max(1, Int(x1 - x0)))) {
            s += "<text x=\"\(px(v))\" y=\"\(t + ph + 16)\" text-anchor=\"middle\">\(SVG.fmt(v))</text>\n"
        }
        s +=
            "<text x=\"\(l + pw / 2)\" y=\"\(Double(height) - 10)\" text-anchor=\"middle\">\(SVG.escape(xLabel))</text>\n"
        s +=
            "<text x=\"16\" y=\"\(t + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(t + ph / 2))\">\(SVG.escape(yLabel + (logY ? " (log)" : "")))</text>\n"
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
