import Foundation
import Layers

extension Model {
    /// A Keras-style summary: layer name (type), output shape, parameter count — and for a graph
    /// the "Connected to" column (the nodes each reads; a shared layer's parameters are counted at
    /// its first call) — then the total, trainable and non-trainable counts with their size in
    /// bytes (Float32).
    ///
    /// Layers named in `unknown` have parameter counts this model cannot tell (a size the data
    /// decides was not known when it was built): their counts and the totals print as `?`.
    public func summary(unknown: Set<String> = []) -> String {
        let rows = summaryRows(unknown: unknown).map { r -> [String] in
            [
                "\(r.node.name) (\(r.node.layer.typeName))", Model.render(r.node.outputShape),
                r.parameters.map(Summary.grouped) ?? "?", inputNames(of: r.node).joined(separator: ", "),
            ]
        }
        let graph = !isChain
        let widths = [
            max(26, rows.map { $0[0].count }.max() ?? 0) + 2, max(22, rows.map { $0[1].count }.max() ?? 0) + 2, 14,
            graph ? max(14, rows.map { $0[3].count }.max() ?? 0) + 2 : 0,
        ]
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let p = String(repeating: " ", count: max(0, w - s.count))
            return right ? p + s : s + p
        }
        func row(_ r: [String]) -> String {
            pad(r[0], widths[0]) + pad(r[1], widths[1]) + pad(r[2], widths[2], right: true)
                + (graph ? "  " + pad(r[3], widths[3] - 2) : "")
        }
        let total = widths.reduce(0, +)
        let line = String(repeating: "─", count: total)
        var out = "Model: \"\(name)\"\n" + line + "\n"
        out +=
            row(["Layer (type)", "Output Shape", "Param #", "Connected to"]).replacingOccurrences(
                of: "\\s+$", with: "", options: .regularExpression) + "\n"
        out += String(repeating: "═", count: total) + "\n"
        for r in rows { out += row(r).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n" }
        out += line + "\n"
        if !unknown.isEmpty {
            let known = layers.filter { !unknown.contains($0.name) }.reduce(0) { $0 + $1.parameterCount }
            out +=
                " Total params: ? (\(Summary.grouped(known)) in the other layers; \(unknown.sorted().joined(separator: ", ")) sized by the data)\n"
            return out
        }
        let (all, trainable) = parameterTotals
        out += " Total params: \(Summary.grouped(all)) (\(Summary.bytes(all * 4)))\n"
        out += " Trainable params: \(Summary.grouped(trainable)) (\(Summary.bytes(trainable * 4)))\n"
        out += " Non-trainable params: \(Summary.grouped(all - trainable)) (\(Summary.bytes((all - trainable) * 4)))\n"
        return out
    }
}

extension Model {
    /// The summary as JSON-ready values (`unroll summary --json`): `name`, `layers` (each `name`,
    /// `type`, `output_shape` with `null` for the batch, `parameters` — `null` when unknown, 0 for
    /// a shared layer's later calls — `trainable_parameters`, and `connected_to` for graphs), then
    /// `total_parameters`, `trainable_parameters` and `non_trainable_parameters` (`null` when any
    /// layer's count is unknown).
    ///
    /// ```swift
    /// let o = model.summaryObject()      // o["total_parameters"] as? Int == 181_761 for model (a)
    /// ```
    public func summaryObject(unknown: Set<String> = []) -> [String: Any] {
        let rows: [[String: Any]] = summaryRows(unknown: unknown).map { r in
            var row: [String: Any] = [
                "name": r.node.name, "type": r.node.layer.typeName,
                "output_shape": [NSNull()] + r.node.outputShape.map { $0 as Any },
                "parameters": r.parameters.map { $0 as Any } ?? NSNull(),
                "trainable_parameters": r.trainable.map { $0 as Any } ?? NSNull(),
            ]
            if !isChain { row["connected_to"] = inputNames(of: r.node) }
            return row
        }
        let (all, trainable) = parameterTotals
        let complete = unknown.isEmpty
        return [
            "name": name, "layers": rows,
            "total_parameters": complete ? all as Any : NSNull(),
            "trainable_parameters": complete ? trainable as Any : NSNull(),
            "non_trainable_parameters": complete ? (all - trainable) as Any : NSNull(),
        ]
    }

    /// One summary row per node: its parameter counts, nil for a layer in `unknown`, 0 for a shared
    /// layer's later calls (counted at its first).
    func summaryRows(unknown: Set<String>) -> [(node: Node, parameters: Int?, trainable: Int?)] {
        var seen = Set<ObjectIdentifier>()
        return nodes.map { n in
            guard seen.insert(ObjectIdentifier(n.layer)).inserted else { return (n, 0, 0) }
            guard !unknown.contains(n.layer.name) else { return (n, nil, nil) }
            let trainable = n.layer.namedParameters.filter { $0.parameter.trainable }.reduce(0) {
                $0 + $1.parameter.count
            }
            return (n, n.layer.parameterCount, trainable)
        }
    }

    /// All parameters' and the trainable ones' scalar counts.
    var parameterTotals: (all: Int, trainable: Int) {
        (
            namedParameters.reduce(0) { $0 + $1.parameter.count },
            trainableParameters.reduce(0) { $0 + $1.parameter.count }
        )
    }
}

/// Number formatting for summaries and reports.
public enum Summary {
    /// `181761` → `181,761`.
    public static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `727044` → `710.00 KB` (binary units, as Keras prints).
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 {
            v /= 1024
            u += 1
        }
        return String(format: "%.2f %@", v, units[u])
    }
}
