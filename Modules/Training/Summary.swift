import Foundation
import Layers

extension Sequential {
    /// A Keras-style summary: layer name (type), output shape, parameter count; then the total,
    /// trainable and non-trainable counts with their size in bytes (Float32).
    public func summary() -> String {
        let rows = layers.enumerated().map { i, l -> (String, String, String) in
            ("\(l.name) (\(l.typeName))", "[batch\(layerOutputShapes[i].map { ", \($0)" }.joined())]", Summary.grouped(l.parameterCount))
        }
        let w0 = max(26, rows.map(\.0.count).max() ?? 0) + 2
        let w1 = max(22, rows.map(\.1.count).max() ?? 0) + 2
        let w2 = 14
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let p = String(repeating: " ", count: max(0, w - s.count))
            return right ? p + s : s + p
        }
        let line = String(repeating: "─", count: w0 + w1 + w2)
        var out = "Model: \"\(name)\"\n" + line + "\n"
        out += pad("Layer (type)", w0) + pad("Output Shape", w1) + pad("Param #", w2, right: true) + "\n"
        out += String(repeating: "═", count: w0 + w1 + w2) + "\n"
        for r in rows { out += pad(r.0, w0) + pad(r.1, w1) + pad(r.2, w2, right: true) + "\n" }
        out += line + "\n"
        let total = namedParameters.reduce(0) { $0 + $1.parameter.count }
        let trainable = trainableParameters.reduce(0) { $0 + $1.parameter.count }
        out += " Total params: \(Summary.grouped(total)) (\(Summary.bytes(total * 4)))\n"
        out += " Trainable params: \(Summary.grouped(trainable)) (\(Summary.bytes(trainable * 4)))\n"
        out += " Non-trainable params: \(Summary.grouped(total - trainable)) (\(Summary.bytes((total - trainable) * 4)))\n"
        return out
    }
}

/// Number formatting for summaries and reports.
public enum Summary {
    /// `181761` → `181,761`.
    public static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() { if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }; out.append(ch) }
        return (n < 0 ? "-" : "") + out
    }

    /// `727044` → `710.00 KB` (binary units, as Keras prints).
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return String(format: "%.2f %@", v, units[u])
    }
}
