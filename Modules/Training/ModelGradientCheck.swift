import Layers
import Tensors

extension GradientCheck {
    /// Finite differences against the tape for every trainable parameter of `model` on input
    /// `x` (inference mode, so dropout is off): the output is reduced to `Σ w ⊙ y` with fixed
    /// random weights `w` drawn from `seed`. The parameters keep their values afterwards.
    ///
    /// ```swift
    /// let report = try GradientCheck.checkParameters(of: model, input: x)
    /// XCTAssertLessThan(report.maxError, 2e-2, "\(report)")
    /// ```
    public static func checkParameters(of model: Model, input x: Tensor, epsilon: Float = 1e-2, seed: UInt64 = 7)
        throws -> Report
    {
        let params = model.trainableParameters.map(\.parameter)
        let originals = params.map(\.value)
        defer { for (p, v) in zip(params, originals) { p.bind(v) } }
        return try check(originals, epsilon: epsilon, seed: seed) { leaves in
            for (p, v) in zip(params, leaves) { p.bind(v) }
            var ctx = ForwardContext(training: false)
            return try model.forward(x, context: &ctx)
        }
    }
}
