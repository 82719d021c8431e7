import XCTest
import Tensors
import Layers
import LayerConformance
import PluginRegistry
import Specs
import AcmeLayers

final class HighwayTests: XCTestCase {
    /// The same conformance check Unroll's own layers pass, including the registry lookup.
    func testConformance() throws {
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        var o = LayerConformance.Options()
        o.isRegistered = { registry.contains(.layer, $0) }
        // A smooth activation: ReLU's kink at 0 makes finite differences meaningless there.
        var c = Highway.Config(); c.activation = .tanh
        try LayerConformance.check(Highway.self, config: c, inputShape: [5], expectedParameters: 2 * (25 + 5), options: o)
        try LayerConformance.check(Highway.self, config: c, inputShape: [3, 4], expectedParameters: 2 * (16 + 4), options: o)
    }

    func testCarryBehaviourAtInitialisation() throws {
        var c = Highway.Config(); c.transformBias = -20    // gate ≈ 0: the layer passes x through
        let h = try Highway(config: c, name: "h")
        var g = SeededGenerator(seed: 1)
        try h.build(inputShape: [4], rng: &g)
        let x = Tensor.randomNormal([2, 4], using: &g)
        var ctx = ForwardContext(training: false)
        XCTAssertTrue(try h.forward(x, context: &ctx).isClose(to: x, tolerance: 1e-6))
    }

    /// The plugin is used from a spec file, through the registry, with no change to Unroll.
    func testSpecUsesThePlugin() throws {
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("highway.yaml")
        let s = try SpecLoader(registry: registry).load(spec)
        XCTAssertEqual(s.layers.map(\.name), ["dense_1", "highway_1", "highway_2", "dense_2"])
        XCTAssertThrowsError(try SpecLoader(registry: try Builtins.registry()).load(spec)) { e in
            XCTAssertTrue("\(e)".contains("unknown layer 'acme.Highway'"), "\(e)")
        }
    }
}
