import Foundation
import Training

/// Plots and the HTML report of a bundle.
public enum BundleReport {
    /// A figure a task adds to the report (`LearningTask.reportFigures`).
    public struct Figure {
        /// Names the figure in the page (`fig-<id>`).
        public var id: String
        public var title: String
        public var svg: String
        public init(id: String, title: String, svg: String) { (self.id, self.title, self.svg) = (id, title, svg) }
    }

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
            let marks = epochMarkers(rows)
            try save(
                "loss.svg",
                LineChart(
                    title: "Loss per epoch", xLabel: "epoch", yLabel: "loss",
                    series: [series("loss"), series("val_loss", dashed: true)].compactMap { $0 }, markers: marks
                ).svg())
            let metricKeys = Set(rows.flatMap(\.keys)).filter { k in
                ConfusionMatrix.metricNames.contains(k.hasPrefix("val_") ? String(k.dropFirst(4)) : k)
            }.sorted()
            if !metricKeys.isEmpty {
                try save(
                    "metrics.svg",
                    LineChart(
                        title: "Metrics per epoch", xLabel: "epoch", yLabel: "value",
                        series: metricKeys.compactMap { series($0, dashed: $0.hasPrefix("val_")) }, markers: marks
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

    /// The best epoch (lowest `val_loss`, else `loss`) and the last one, when they differ (early
    /// stopping, or a run that overfitted): vertical markers on the curves.
    static func epochMarkers(_ rows: [[String: Double]]) -> [(x: Double, label: String)] {
        let key = rows.contains { $0["val_loss"] != nil } ? "val_loss" : "loss"
        guard let best = rows.filter({ $0[key]?.isFinite == true }).min(by: { $0[key]! < $1[key]! })?["epoch"],
            let last = rows.last?["epoch"]
        else { return [] }
        if best == last { return [(best, "best (\(key)) and last: \(Int(best))")] }
        return [(best, "best \(key): epoch \(Int(best))"), (last, "stopped: epoch \(Int(last))")]
    }

    /// `report.html`: data, model, training configuration, curves (best and stopped epochs
    /// marked), the test report with its per-class table and confusion matrix, gradient flow
    /// (with gate saturation and how often clipping fired) and the history, figures to 4 digits.
    /// Plots scale to the page width; wide tables scroll inside their own box.
    public static func writeHTML(_ dir: URL, summary: String, figures: [Figure] = []) throws -> URL {
        let plots = Set(try writePlots(dir).map(\.lastPathComponent))
        func read(_ name: String) -> String? {
            try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        }
        func json(_ name: String) -> Any? {
            read(name).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        }
        func e(_ s: String) -> String { SVG.escape(s) }
        func figure(_ name: String) -> String {
            guard plots.contains(name), let svg = read(name) else { return "" }
            return "<figure id=\"fig-\(name.replacingOccurrences(of: ".svg", with: ""))\">\n\(svg)</figure>\n"
        }
        func table(_ header: [String], _ rows: [[String]]) -> String {
            "<div class=\"table\"><table>\n"
                + (header.allSatisfy(\.isEmpty) ? "" : "<tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n")
                + rows.map {
                    "<tr>" + $0.enumerated().map { i, c in i == 0 ? "<th>\(e(c))</th>" : "<td>\(e(c))</td>" }.joined()
                        + "</tr>\n"
                }
                .joined() + "</table></div>\n"
        }
        // Counts as integers, every other figure to 4 decimals.
        let counts: Set<String> = ["epoch", "examples", "support", "iterations", "steps", "clipped"]
        func number(_ v: Any?, _ key: String = "") -> String {
            guard let n = v as? NSNumber else { return "—" }
            return counts.contains(key) ? String(n.intValue) : String(format: "%.4f", n.doubleValue)
        }
        let model = json("model.json") as? [String: Any] ?? [:]
        let metrics = (json("metrics.json") as? [String: Any])?["test"] as? [String: Any]
        let history = json("history.json") as? [[String: Any]] ?? []

        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html +=
            "<meta name=\"viewport\" content=\"width=device-width\"><title>\(e(dir.lastPathComponent)) — Unroll report</title>\n"
        html +=
            "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}.table{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#fafafa}figure{margin:1em 0}figure svg{max-width:100%;height:auto;display:block}nav a{margin-right:1em}</style></head><body>\n"
        html += "<h1>\(e(dir.lastPathComponent))</h1>\n"
        let sections = ["data", "model", "training", "curves", "test", "gradient-flow", "history"]
        html +=
            "<nav>" + sections.map { "<a href=\"#\($0)\">\($0.replacingOccurrences(of: "-", with: " "))</a>" }.joined()
            + "</nav>\n"

        // Data
        var data: [[String]] = []
        if let task = model["task"] as? String { data.append(["task", task]) }
        if let form = model["form"] as? String { data.append(["data form", form]) }
        if let source = model["source"] as? [String: Any], let name = source["source"] as? String {
            data.append(["source", name + ((source["path"] as? String).map { " (\($0))" } ?? "")])
        }
        if let shape = model["input_shape"] as? [Int] {
            data.append(["input shape", "[batch, " + shape.map(String.init).joined(separator: ", ") + "]"])
        }
        if let classes = model["classes"] as? [String], !classes.isEmpty {
            let shown = classes.prefix(30).joined(separator: ", ") + (classes.count > 30 ? ", …" : "")
            data.append(["classes", "\(classes.count): \(shown)"])
        }
        if let n = metrics?["examples"] { data.append(["test examples", number(n, "examples")]) }
        html += "<h2 id=\"data\">Data</h2>\n" + table(["", ""], data)

        html += "<h2 id=\"model\">Model</h2>\n<pre>\(e(summary))</pre>\n"

        // Training configuration
        html += "<h2 id=\"training\">Training</h2>\n"
        var training: [[String]] = []
        if let loss = model["loss"] as? String { training.append(["loss", loss]) }
        if let header = try? SafeTensors.read(dir.appendingPathComponent("optimizer.safetensors")).metadata {
            for k in ["type", "learning_rate", "iterations"] {
                if let v = header[k] {
                    training.append(["optimizer \(k.replacingOccurrences(of: "_", with: " "))", v])
                }
            }
        }
        training.append(["epochs trained", "\(history.count)"])
        html += table(["", ""], training)
        if let spec = read("spec.yaml") {
            html += "<details><summary>The spec</summary>\n<pre>\(e(spec))</pre></details>\n"
        }

        html += "<h2 id=\"curves\">Curves</h2>\n" + figure("loss.svg") + figure("metrics.svg")

        // Test report
        html += "<h2 id=\"test\">Test report</h2>\n"
        if let test = metrics {
            let keys =
                ["loss"] + ConfusionMatrix.metricNames
                + test.keys.filter {
                    !ConfusionMatrix.metricNames.contains($0)
                        && !["loss", "classes", "confusion_matrix", "examples"].contains($0)
                }.sorted()
            html += table(["metric", "value"], keys.compactMap { k in test[k].map { [k, number($0)] } })
            if let counts = test["confusion_matrix"] as? [[Int]], let classes = test["classes"] as? [String],
                counts.count == classes.count, counts.count <= 60
            {
                let cm = ConfusionMatrix(counts: counts)
                let rows = (0..<cm.classes).map { k in
                    [
                        classes[k], String(format: "%.4f", cm.precision(k)), String(format: "%.4f", cm.recall(k)),
                        String(format: "%.4f", cm.f1(k)), "\(counts[k].reduce(0, +))",
                    ]
                }
                html += "<h3>Per class</h3>\n" + table(["class", "precision", "recall", "F1", "support"], rows)
                html += "<h3>Confusion matrix</h3>\n" + figure("confusion.svg")
            }
        } else {
            html += "<p>No test split: the bundle was trained with an empty one.</p>\n"
        }
        for f in figures {
            html += "<h3>\(e(f.title))</h3>\n<figure id=\"fig-\(e(f.id))\">\n\(f.svg)</figure>\n"
        }

        // Gradient flow
        html += "<h2 id=\"gradient-flow\">Gradient flow</h2>\n"
        if let g = json("gradient_flow.json") as? [String: Any] {
            if let lines = g["summary"] as? [String] {
                html += "<ul>\n" + lines.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
            }
            html += figure("gradient_flow.svg")
            if let layers = g["layers"] as? [[String: Any]], let last = layers.compactMap({ $0["epoch"] as? Int }).max()
            {
                let rows = layers.filter { $0["epoch"] as? Int == last }.compactMap { l -> [String]? in
                    guard let name = l["layer"] as? String, let sat = l["saturation"] as? [String: Double] else {
                        return nil
                    }
                    return [name] + [
                        sat.keys.sorted().map { "\($0): \(String(format: "%.1f%%", 100 * sat[$0]!))" }.joined(
                            separator: ", ")
                    ]
                }
                if !rows.isEmpty {
                    html +=
                        "<h3>Saturated units per gate, epoch \(last)</h3>\n"
                        + table(["layer", "share saturated"], rows)
                }
            }
            if let clipping = g["clipping"] as? [[String: Any]], !clipping.isEmpty {
                let rows = clipping.map { c -> [String] in
                    let steps = (c["steps"] as? Int) ?? 0
                    let clipped = (c["clipped"] as? Int) ?? 0
                    return [
                        "\(c["epoch"] as? Int ?? 0)",
                        steps > 0 ? String(format: "%.1f%%", 100 * Double(clipped) / Double(steps)) : "—",
                        number(c["mean_norm_before"]), number(c["mean_norm_after"]), number(c["max_norm_before"]),
                    ]
                }
                html +=
                    "<h3>Clipping</h3>\n"
                    + table(["epoch", "steps clipped", "mean norm before", "after", "largest before"], rows)
            }
        } else {
            html += "<p>Not recorded: add <code>{type: gradient_flow}</code> to the spec's callbacks.</p>\n"
        }

        // History, 4 digits
        html += "<h2 id=\"history\">History</h2>\n"
        if let first = history.first {
            let keys =
                ["epoch"]
                + first.keys.filter { $0 != "epoch" }.sorted {
                    ($0.hasPrefix("val_") ? 1 : 0, $0) < ($1.hasPrefix("val_") ? 1 : 0, $1)
                }
            html += table(keys, history.map { row in keys.map { number(row[$0], $0) } })
        }
        html += "</body></html>\n"
        let url = dir.appendingPathComponent("report.html")
        try AtomicFile.write(Data(html.utf8), to: url)
        return url
    }
}
