#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

/// Elementwise functions. Each states its derivative next to its forward pass; where the
/// derivative is cheaper from the output `y` than from the input `x`, the output is used.
extension Tensor {
    /// Logistic sigmoid `σ(x) = 1 / (1 + e^(−x))` (`FastMath.sigmoid`; saturates cleanly for large |x|).
    /// Derivative: `σ′(x) = y(1 − y)`.
    public func sigmoid() -> Tensor {
        var y = mapInPlace(FastMath.sigmoid(_:count:))
        let yc = y.detached()
        Tensor.record("sigmoid", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, yc) { g, y in g * y * (1 - y) }]
        }
        return y
    }

    /// Hyperbolic tangent. Derivative: `tanh′(x) = 1 − y²`.
    public func tanh() -> Tensor {
        var y = mapInPlace(FastMath.tanh(_:count:))
        let yc = y.detached()
        Tensor.record("tanh", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, yc) { g, y in g * (1 - y * y) }]
        }
        return y
    }

    /// Rectified linear unit `max(0, x)`. Derivative: 1 where `x > 0`, else 0.
    public func relu() -> Tensor {
        var y = mapElements { $0 > 0 ? $0 : 0 }
        let xc = detached()
        Tensor.record("relu", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, xc) { g, x in x > 0 ? g : 0 }]
        }
        return y
    }

    /// `e^x`. Derivative: `y`.
    public func exp() -> Tensor {
        var y = mapInPlace(FastMath.exp(_:count:))
        let yc = y.detached()
        Tensor.record("exp", output: &y, inputs: [self]) { g in [try Tensor.zipElements(g, yc, *)] }
        return y
    }

    /// Natural logarithm. Derivative: `1 / x`.
    public func log() -> Tensor {
        var y = mapElements { Glibc.logf($0) }
        let xc = detached()
        Tensor.record("log", output: &y, inputs: [self]) { g in [try Tensor.zipElements(g, xc, /)] }
        return y
    }

    /// Square root. Derivative: `1 / (2y)`.
    public func sqrt() -> Tensor {
        var y = mapElements { $0.squareRoot() }
        let yc = y.detached()
        Tensor.record("sqrt", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, yc) { g, y in g / (2 * y) }]
        }
        return y
    }

    /// `x^p` for a constant exponent. Derivative: `p · x^(p−1)`.
    public func pow(_ p: Float) -> Tensor {
        var y = mapElements { Glibc.powf($0, p) }
        let xc = detached()
        Tensor.record("pow", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, xc) { g, x in g * p * Glibc.powf(x, p - 1) }]
        }
        return y
    }

    /// `x²`. Derivative: `2x`.
    public func squared() -> Tensor {
        var y = mapElements { $0 * $0 }
        let xc = detached()
        Tensor.record("square", output: &y, inputs: [self]) { g in [try Tensor.zipElements(g, xc) { g, x in 2 * g * x }]
        }
        return y
    }

    /// Clamps into `[low, high]`. Derivative: 1 strictly inside the interval, 0 outside.
    public func clamped(to low: Float, _ high: Float) throws -> Tensor {
        guard low <= high else { throw TensorError.invalidArgument(op: "clamp", message: "low \(low) > high \(high)") }
        var y = mapElements { Swift.min(Swift.max($0, low), high) }
        let xc = detached()
        Tensor.record("clamp", output: &y, inputs: [self]) { g in
            [try Tensor.zipElements(g, xc) { g, x in (x >= low && x <= high) ? g : 0 }]
        }
        return y
    }

}
