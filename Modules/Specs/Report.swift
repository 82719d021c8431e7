import Foundation
import Training

/// Plots and the HTML report of a bundle.
public enum BundleReport {
    /// Writes `loss.svg`, `metrics.svg`, `confusion.svg` and (when recorded) `gradient_flow.svg`
    /// into the bundle; returns the files written.
    @discardableResult
    public static func writePlots(_ dir: URL) throws -> [URL] {
        var written: [URL] = []
        func save(_ name: String, _ svg: String) throws {
            let u = dir.appendingPathComponent(name)
            try AtomicFile.write(Data(svg.utf8), to: u)
            written.append(u)
        }
        if let rows = try? JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("history.json"))) as? [[String: Double]], !rows.isEmpty
        {
            func series(_ key: String, dashed: Bool = false) -> LineChart.Series? {
                let p = rows.compactMap { r -> (x: Double, y: Double)? in r[key].map { (r["epoch"] ?? 0, $0) } }
                return p.isEmpty
                    ? nil
                    : LineChart.Series(
                        name: key, points: p, dashed: dashed,
                        colorKey: key.hasPrefix("val_") ? String(key.dropFirst(4)) : key)
            }
            try save(
                "loss.svg",
                LineChart(
                    title: "Loss per epoch", xLabel: "epoch", yLabel: "loss",
                    series: [series("loss"), series("val_loss", dashed: true)].compactMap { $0 }
                ).svg())
            let metricKeys = Set(rows.flatMap(\.keys)).filter { k in
                ConfusionMatrix.metricNames.contains(k.hasPrefix("val_") ? String(k.dropFirst(4)) : k)
            }.sorted()
            if !metricKeys.isEmpty {
                try save(
                    "metrics.svg",
                    LineChart(
                        title: "Metrics per epoch", xLabel: "epoch", yLabel: "value",
                        series: metricKeys.compactMap { series($0, dashed: $0.hasPrefix("val_")) }
                    ).svg())
            }
        }
        if let m = try? JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("metrics.json")))
            as? [String: [String: Any]],
            let test = m["test"], let counts = test["confusion_matrix"] as? [[Int]], counts.count <= 30
        {
            try save(
                "confusion.svg",
                Heatmap(title: "Confusion matrix (test)", labels: test["classes"] as? [String] ?? [], counts: counts)
                    .svg())
        }
        if let data = try? Data(contentsOf: dir.appendingPathComponent("gradient_flow.json")) {
            let d = JSONDecoder()
            d.keyDecodingStrategy = .convertFromSnakeCase
            struct File: Codable { var layers: [GradientFlowMonitor.LayerEpoch] }
            if let f = try? d.decode(File.self, from: data), let first = f.layers.map(\.epoch).min(),
                let last = f.layers.map(\.epoch).max()
            {
                let series = f.layers.filter { $0.epoch == first || $0.epoch == last }.map { l in
                    LineChart.Series(
                        name: "\(l.layer) epoch \(l.epoch)",
                        points: l.gradientNorms.enumerated().map { (Double($0.offset + 1), $0.element) },
                        dashed: l.epoch == first && first != last, colorKey: l.layer)
                }
                try save(
                    "gradient_flow.svg",
                    LineChart(
                        title: "‖∂L/∂h_t‖ per time step (first and last epoch)", xLabel: "time step",
                        yLabel: "gradient norm",
                        series: series, logY: true
                    ).svg())
            }
        }
        return written
    }

    /// Writes the plots and `report.html` (summary, test report, history, plots inline).
    public static func writeHTML(_ dir: URL, summary: String) throws -> URL {
        let plots = try writePlots(dir)
        func read(_ name: String) -> String? {
            try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        }
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Unroll report</title>\n"
        html +=
            "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n"
        html += "<h1>\(SVG.escape(dir.lastPathComponent))</h1>\n<h2>Model</h2>\n<pre>\(SVG.escape(summary))</pre>\n"
        if let m = read("metrics.json"),
            let obj = try? JSONSerialization.jsonObject(with: Data(m.utf8)) as? [String: [String: Any]],
            let test = obj["test"]
        {
            html += "<h2>Test report</h2>\n<table>\n"
            for k in ["loss"] + ConfusionMatrix.metricNames + ["examples"] {
                guard let v = test[k] as? NSNumber else { continue }
                html +=
                    "<tr><th>\(k)</th><td>\(k == "examples" ? "\(v.intValue)" : String(format: "%.4f", v.doubleValue))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if let g = read("gradient_flow.json"),
            let obj = try? JSONSerialization.jsonObject(with: Data(g.utf8)) as? [String: Any],
            let lines = obj["summary"] as? [String]
        {
            html += "<h2>Gradient flow</h2>\n<ul>\n" + lines.map { "<li>\(SVG.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        for p in plots { if let svg = read(p.lastPathComponent) { html += "<figure>\n\(svg)</figure>\n" } }
        if let csv = read("history.csv") {
            let rows = csv.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            html +=
                "<h2>History</h2>\n<table>\n"
                + rows.enumerated().map { i, r in
                    "<tr>" + r.map { i == 0 ? "<th>\(SVG.escape($0))</th>" : "<td>\(SVG.escape($0))</td>" }.joined()
                        + "</tr>\n"
                }.joined() + "</table>\n"
        }
        html += "</body></html>\n"
        let url = dir.appendingPathComponent("report.html")
        try AtomicFile.write(Data(html.utf8), to: url)
        return url
    }
}
