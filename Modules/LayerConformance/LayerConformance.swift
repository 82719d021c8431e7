import Layers
import PluginRegistry
import Tensors
import XCTest

/// The one conformance check every layer passes — Unroll's own and plugins'.
///
/// ```swift
/// func testHighway() throws {
///     var c = Highway.Config(); c.units = 4
///     try LayerConformance.check(Highway.self, config: c, inputShape: [4], expectedParameters: 40)
/// }
/// ```
/// It asserts: (1) a forward pass before `build` throws a `LayerError` (layers with parameters); (2) the output shape of a
/// real forward pass equals `outputShape(for:)`; (3) the parameter count equals
/// `expectedParameters` (when given) and every parameter has a unique dotted name prefixed by
/// the layer's name; (4) config → JSON → config gives the same config, and a layer rebuilt from
/// the decoded config has the same output shape; (5) `isRegistered(typeName)` when given;
/// (6) the tape's gradients of the input (when it is not integer ids) and of every trainable
/// parameter match central finite differences; (7) a layer that says it can run step by step
/// (`Layer.stepping`) gives its whole output that way.
public enum LayerConformance {
    /// What a check may vary.
    public struct Options {
        /// Examples in the test batch.
        public var batch = 2
        /// An explicit input `[batch] + inputShape`; random in [−1, 1] when nil.
        public var input: Tensor?
        /// Whether the input is integer ids (no input gradient check).
        public var integerInput = false
        /// A `[batch, time]` mask put in the context.
        public var mask: Tensor?
        /// Training mode (dropout on; masks are reproducible through the fixed seed).
        public var training = false
        /// Run before every forward pass of the gradient check (e.g. reset and prime a stateful layer).
        public var prepare: ((any Layer) throws -> Void)?
        /// Finite-difference step and relative tolerance.
        public var epsilon: Float = 1e-2, tolerance: Float = 2e-2
        /// A registry lookup for `typeName` (the registry issue wires Unroll's in).
        public var isRegistered: ((String) -> Bool)?
        public init() {}
    }

    /// Runs every check on a layer of type `L` made from `config`.
    public static func check<L: Layer>(
        _ type: L.Type, config: L.Config, inputShape: [Int], expectedParameters: Int? = nil,
        options: Options = Options(), file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let layer = try L(config: config, name: "layer_under_test")
        let batch = options.batch
        var rng = SeededGenerator(seed: 11)
        let x = options.input ?? Tensor.randomUniform([batch] + inputShape, low: -1, high: 1, using: &rng)

        // (1) used before build (only layers that have parameters need a build)
        if (expectedParameters ?? 1) > 0 {
            var ctx0 = ForwardContext(training: options.training, seed: 3, mask: options.mask)
            XCTAssertThrowsError(
                try layer.forward(x, context: &ctx0), "forward before build must throw", file: file, line: line
            ) { e in
                XCTAssertTrue(e is LayerError, "expected a LayerError, got \(e)", file: file, line: line)
            }
        }

        // (2) shape inference equals the real output
        try layer.build(inputShape: inputShape, rng: &rng)
        let inferred = try layer.outputShape(for: inputShape)
        try options.prepare?(layer)
        var ctx = ForwardContext(training: options.training, seed: 3, mask: options.mask)
        let y = try layer.forward(x, context: &ctx)
        XCTAssertEqual(y.shape, [batch] + inferred, "output shape vs outputShape(for:)", file: file, line: line)

        // (3) parameters
        let named = layer.namedParameters
        if let expectedParameters {
            XCTAssertEqual(layer.parameterCount, expectedParameters, "parameter count", file: file, line: line)
        }
        XCTAssertEqual(
            Set(named.map(\.name)).count, named.count, "parameter names must be unique: \(named.map(\.name))",
            file: file, line: line)
        for (n, _) in named {
            XCTAssertTrue(n.hasPrefix("layer_under_test."), "parameter name \(n)", file: file, line: line)
        }

        // (4) config round trip
        let json = try layer.configJSON()
        let decoded = try LayerConfigCoding.decode(L.Config.self, json: json)
        XCTAssertEqual(decoded, config, "config → JSON → config", file: file, line: line)
        let again = try L(config: decoded, name: "again")
        XCTAssertEqual(try again.outputShape(for: inputShape), inferred, file: file, line: line)

        // (5) registry
        if let isRegistered = options.isRegistered {
            XCTAssertTrue(isRegistered(L.typeName), "\(L.typeName) is not in the registry", file: file, line: line)
        }

        // (7) stepping: run one step at a time (carrying states for a recurrent layer), the
        // layer gives its whole-sequence output step by step
        if !options.training { try checkStepping(layer, x: x, y: y, options: options, file: file, line: line) }

        // (6) gradients of the input and of every trainable parameter (nothing to check for a
        // parameter-free layer fed integer ids, e.g. OneHot)
        let trainable = named.filter { $0.parameter.trainable && $0.parameter.count > 0 }
        if options.integerInput && trainable.isEmpty { return }
        let originals = trainable.map { $0.parameter.value }
        defer { for (p, v) in zip(trainable, originals) { p.parameter.bind(v) } }
        let inputs = [x] + originals.map { $0.detached() }
        let report = try GradientCheck.check(inputs, epsilon: options.epsilon) { xs in
            for (p, v) in zip(trainable, xs.dropFirst()) { p.parameter.bind(v) }
            try options.prepare?(layer)
            var c = ForwardContext(training: options.training, seed: 3, mask: options.mask)
            let input = options.integerInput ? x : xs[0]
            return try layer.forward(input, context: &c)
        }
        // With integer ids the function ignores xs[0], so both its gradients are 0 and it cannot fail.
        XCTAssertLessThan(
            report.maxError, options.tolerance,
            "gradient check of \(L.typeName): \(report) (input 0 is the layer input, then \(trainable.map(\.name)))",
            file: file, line: line)
    }

    /// Check (7): a layer whose `stepping` is `.pointwise` or `.recurrent` and whose input and
    /// output share a time axis gives, fed one step `[batch, 1, …]` at a time, each step of its
    /// output `y` for the whole input `x`.
    static func checkStepping<L: Layer>(
        _ layer: L, x: Tensor, y: Tensor, options: Options, file: StaticString, line: UInt
    ) throws {
        let stepping = layer.stepping
        guard stepping != .whole, x.shape.count >= (options.integerInput ? 2 : 3), y.shape.count >= 3,
            y.shape[1] == x.shape[1]
        else { return }
        var states: [Tensor]?
        for t in 0..<x.shape[1] {
            var c = ForwardContext(
                training: false, seed: 3, mask: try options.mask?.slice(axis: 1, start: t, length: 1))
            let xt = try x.slice(axis: 1, start: t, length: 1)
            let yt: Tensor
            if stepping == .recurrent {
                guard let r = layer as? any ProducesStates else {
                    XCTFail("\(L.typeName) steps as recurrent but gives no states", file: file, line: line)
                    return
                }
                (yt, states) = try r.forwardWithStates(xt, initialState: states, context: &c)
            } else {
                yt = try layer.forward(xt, context: &c)
            }
            let want = try y.slice(axis: 1, start: t, length: 1).scalars
            XCTAssertEqual(
                yt.shape, [y.shape[0], 1] + y.shape.dropFirst(2), "step \(t)'s shape", file: file, line: line)
            let worst = zip(yt.scalars, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThan(
                worst, 1e-4, "\(L.typeName) run step by step differs at step \(t) by \(worst)", file: file, line: line)
        }
    }
}
