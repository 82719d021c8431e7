import LayerConformance
import Layers
import PluginRegistry
import Tensors
import XCTest

/// The layers model graphs need: pooling over time (honouring masks), `RepeatVector`, and the
/// merge layers — the shared conformance check where a layer takes one input, hand values, and
/// finite differences.
final class PoolingMergeTests: XCTestCase {
    var registry = Registry()
    override func setUpWithError() throws { try LayersPlugins.register(in: &registry) }

    func options(mask: Tensor? = nil) -> LayerConformance.Options {
        var o = LayerConformance.Options()
        o.batch = 3
        o.mask = mask
        o.isRegistered = { [registry] in registry.contains(.layer, $0) }
        return o
    }

    let mask = try! Tensor(shape: [3, 4], scalars: [1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1])

    func testPoolingLayersPassTheConformanceCheck() throws {
        for m in [nil, mask] {
            try LayerConformance.check(
                GlobalMaxPooling1D.self, config: .init(), inputShape: [4, 5], expectedParameters: 0,
                options: options(mask: m))
            try LayerConformance.check(
                GlobalAveragePooling1D.self, config: .init(), inputShape: [4, 5], expectedParameters: 0,
                options: options(mask: m))
        }
        var c = RepeatVector.Config()
        c.n = 3
        try LayerConformance.check(
            RepeatVector.self, config: c, inputShape: [5], expectedParameters: 0, options: options())
    }

    /// Hand values: masked steps never count; a row with no real step pools to 0; the mask ends.
    func testPoolingHonoursTheMask() throws {
        let x = try Tensor(shape: [2, 3, 2], scalars: [1, -5, 9, 2, 4, 7, -1, -2, -3, -4, -5, -6])
        var ctx = ForwardContext(training: false)
        ctx.mask = try Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 0, 0])
        XCTAssertEqual(try GlobalMaxPooling1D().forward(x, context: &ctx).scalars, [4, 7, 0, 0])
        XCTAssertNil(ctx.mask)
        ctx.mask = try Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 1])
        XCTAssertEqual(try GlobalAveragePooling1D().forward(x, context: &ctx).scalars, [2.5, 1, -4, -5])
        ctx.mask = nil
        XCTAssertEqual(try GlobalMaxPooling1D().forward(x, context: &ctx).scalars, [9, 7, -1, -2])
        assertClose(
            try GlobalAveragePooling1D().forward(x, context: &ctx).scalars, [14.0 / 3, 4.0 / 3, -3, -4], tol: 1e-6)
        XCTAssertThrowsError(try GlobalMaxPooling1D().outputShape(for: [5])) { e in
            XCTAssertTrue("\(e)".contains("pools over time"), "\(e)")
        }
    }

    func testMergeLayersValuesShapesAndGradients() throws {
        var ctx = ForwardContext(training: false)
        let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [2, 3], scalars: [6, 5, 4, 3, 2, 1])
        XCTAssertEqual(try Add().forward([a, b], masks: [nil, nil], context: &ctx).scalars, [7, 7, 7, 7, 7, 7])
        XCTAssertEqual(
            try Multiply().forward([a, b], masks: [nil, nil], context: &ctx).scalars, [6, 10, 12, 12, 10, 6])
        XCTAssertEqual(
            try Average().forward([a, b], masks: [nil, nil], context: &ctx).scalars, [3.5, 3.5, 3.5, 3.5, 3.5, 3.5])
        let cat = try Concatenate().forward(
            [a, try Tensor(shape: [2, 1], scalars: [9, 8])], masks: [nil, nil], context: &ctx)
        XCTAssertEqual(cat.shape, [2, 4])
        XCTAssertEqual(cat.scalars, [1, 2, 3, 9, 4, 5, 6, 8])
        XCTAssertEqual(try Concatenate().outputShape(forInputs: [[7, 3], [7, 5]]), [7, 8])
        var time = Concatenate.Config()
        time.axis = 1
        XCTAssertEqual(try Concatenate(config: time).outputShape(forInputs: [[7, 3], [2, 3]]), [9, 3])
        XCTAssertThrowsError(try Concatenate().outputShape(forInputs: [[7, 3], [6, 5]])) { e in
            XCTAssertTrue("\(e)".contains("differ outside axis"), "\(e)")
        }
        XCTAssertThrowsError(try Add().outputShape(forInputs: [[3], [4]])) { e in
            XCTAssertTrue("\(e)".contains("must have one shape"), "\(e)")
        }
        XCTAssertThrowsError(try Add().outputShape(for: [3])) { e in
            XCTAssertTrue("\(e)".contains("takes several inputs"), "\(e)")
        }
        // Finite differences through every merge.
        var rng = SeededGenerator(seed: 4)
        let x1 = Tensor.randomUniform([2, 3], low: -1, high: 1, using: &rng)
        let x2 = Tensor.randomUniform([2, 3], low: -1, high: 1, using: &rng)
        let w = Tensor.randomUniform([2, 3], low: -1, high: 1, using: &rng)
        let wc = Tensor.randomUniform([2, 6], low: -1, high: 1, using: &rng)
        for layer in [try Add(), try Multiply(), try Average(), try Concatenate()] as [any MultiInputLayer] {
            let report = try GradientCheck.check([x1, x2]) { t in
                var c = ForwardContext(training: false)
                let y = try layer.forward(t, masks: [nil, nil], context: &c)
                return try (y * (layer is Concatenate ? wc : w)).sum()
            }
            XCTAssertLessThan(report.maxError, 1e-2, "\(layer.name): \(report)")
        }
    }

    /// Sequence outputs keep the AND of the inputs' masks; pooled outputs have none.
    func testMergedSequencesCarryTheProductOfTheMasks() throws {
        var ctx = ForwardContext(training: false)
        let s = Tensor.zeros([1, 3, 2])
        let m1 = try Tensor(shape: [1, 3], scalars: [1, 1, 0])
        let m2 = try Tensor(shape: [1, 3], scalars: [1, 0, 1])
        _ = try Add().forward([s, s], masks: [m1, m2], context: &ctx)
        XCTAssertEqual(ctx.mask?.scalars, [1, 0, 0])
        _ = try Concatenate().forward([s, s], masks: [m1, nil], context: &ctx)
        XCTAssertEqual(ctx.mask?.scalars, [1, 1, 0])
        _ = try Add().forward([Tensor.zeros([1, 2]), Tensor.zeros([1, 2])], masks: [m1, m2], context: &ctx)
        XCTAssertNil(ctx.mask)
    }

    /// Each merge layer is registered and its config round-trips through the registry.
    func testMergeLayersAreRegistered() throws {
        for name in [
            "Concatenate", "Add", "Multiply", "Average", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "RepeatVector",
        ] {
            XCTAssertTrue(registry.contains(.layer, name), name)
        }
        let made = try registry.make(
            .layer, "Concatenate", config: ["axis": 1], instanceName: "cat", as: (any Layer).self)
        XCTAssertEqual((made as? Concatenate)?.config.axis, 1)
        XCTAssertThrowsError(
            try registry.make(.layer, "RepeatVector", config: ["n": 0], instanceName: "r", as: (any Layer).self))
    }
}
