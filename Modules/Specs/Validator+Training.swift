import Optimizers

/// The training sections of a spec: `clipping` and `ema`.
extension Validator {
    mutating func clipping(_ node: SpecNode) -> GradientClipping {
        guard let pairs = map(node, "clipping") else { return .none }
        checkKeys(pairs, allowed: ["value", "norm", "global_norm"], section: "clipping")
        guard pairs.count == 1, let p = pairs.first else {
            issue(node, "clipping takes exactly one of value, norm, global_norm")
            return .none
        }
        guard let v = p.value.number, v > 0 else {
            issue(p.value, "'\(p.key)' must be a positive number, found \(p.value.typeName)")
            return .none
        }
        switch p.key {
        case "value": return .value(Float(v))
        case "norm": return .norm(Float(v))
        default: return .globalNorm(Float(v))
        }
    }

    /// `ema: {momentum: μ}` — an exponential moving average of the weights, μ in [0.5, 1).
    mutating func ema(_ node: SpecNode) -> Float? {
        guard let pairs = map(node, "ema") else { return nil }
        checkKeys(pairs, allowed: ["momentum"], section: "ema")
        guard let m = node["momentum"] else {
            issue(node, "ema needs 'momentum' (e.g. 0.999: each step moves the average 0.1% toward the weights)")
            return nil
        }
        guard let v = m.number, v >= 0.5, v < 1 else {
            issue(m, "'momentum' must be a number in [0.5, 1), found \(m.number.map { "\($0)" } ?? m.typeName)")
            return nil
        }
        return Float(v)
    }
}
