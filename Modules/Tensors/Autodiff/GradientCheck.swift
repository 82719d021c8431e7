/// Finite-difference gradient checking, shared by every op and layer test (and plugin authors).
///
/// For a function `f` of several tensors returning a tensor `y`, the check reduces `y` to a
/// scalar `L = Σ r ⊙ y` with fixed random weights `r` (so every output element matters), then
/// compares the tape's `∂L/∂x` with the central difference `(L(x+ε) − L(x−ε)) / 2ε`, element by
/// element, for every input. Float32 limits accuracy: use small sizes, `ε ≈ 1e-2…1e-3`, and a
/// tolerance around `1e-2` on the relative error `|a − n| / max(1, |a|, |n|)`.
public enum GradientCheck {
    /// The worst element found.
    public struct Report: CustomStringConvertible {
        /// Largest relative error over all inputs and elements.
        public var maxError: Float
        /// Which input (index into the array) and flat element that was.
        public var worstInput: Int, worstElement: Int
        /// Analytic and numeric values at the worst element.
        public var analytic: Float, numeric: Float
        public var description: String {
            "max relative error \(maxError) at input \(worstInput) element \(worstElement): analytic \(analytic), numeric \(numeric)"
        }
    }

    /// Compares tape gradients of `f` with central differences. Inputs are used as given (their
    /// tape identity is replaced by fresh leaves).
    public static func check(
        _ inputs: [Tensor], epsilon: Float = 1e-2, seed: UInt64 = 7,
        _ f: ([Tensor]) throws -> Tensor
    ) throws -> Report {
        let leaves = inputs.map { $0.detached().requiringGrad() }
        let y0 = try f(leaves)
        var rng = SeededGenerator(seed: seed)
        let r = Tensor.randomUniform(y0.shape, low: -1, high: 1, using: &rng)
        let loss = try (y0 * r).sum()
        let analytic = try gradients(of: loss, wrt: leaves)

        func lossValue(_ xs: [Tensor]) throws -> Double {
            try withNoGrad {
                let y = try f(xs)
                return y.withUnsafeBufferPointer { yp in
                    r.withUnsafeBufferPointer { rp in
                        var s = 0.0
                        for i in 0..<yp.count { s += Double(yp[i]) * Double(rp[i]) }
                        return s
                    }
                }
            }
        }
        var report = Report(maxError: 0, worstInput: -1, worstElement: -1, analytic: 0, numeric: 0)
        let base = inputs.map { $0.detached() }
        for (k, x) in base.enumerated() {
            let a = analytic[k].scalars
            for e in 0..<x.count {
                var xs = base
                var plus = x
                var minus = x
                plus.withUnsafeMutableBufferPointer { $0[e] += epsilon }
                minus.withUnsafeMutableBufferPointer { $0[e] -= epsilon }
                xs[k] = plus
                let lp = try lossValue(xs)
                xs[k] = minus
                let lm = try lossValue(xs)
                let numeric = Float((lp - lm) / (2 * Double(epsilon)))
                let err = abs(a[e] - numeric) / Swift.max(1, abs(a[e]), abs(numeric))
                if err > report.maxError || report.worstInput < 0 {
                    report = Report(maxError: err, worstInput: k, worstElement: e, analytic: a[e], numeric: numeric)
                }
            }
        }
        return report
    }
}
