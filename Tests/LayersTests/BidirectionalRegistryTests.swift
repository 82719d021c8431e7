import Layers
import PluginRegistry
import Tensors
import XCTest

/// Bidirectional builds the wrapped layer through the registry, so plugin recurrent layers work.
final class BidirectionalRegistryTests: XCTestCase {
    func registry() throws -> Registry {
        var r = try Registry(modules: [LayersPlugins.self])
        // A plugin's recurrent layer, registered under its own namespaced name.
        try r.register(
            .configured(.layer, "acme.MyGRU", summary: "a plugin recurrent layer", config: GRU.Config.self) { c, n in
                try GRU(config: c, name: n)
            })
        return r
    }

    func testWrapsAPluginRecurrentLayerByName() throws {
        let r = try registry()
        let b =
            try r.make(
                .layer, "Bidirectional",
                config: ["layer": ["type": "acme.MyGRU", "units": 3, "return_sequences": true]],
                instanceName: "bidirectional_1", as: (any Layer).self) as! Bidirectional
        XCTAssertTrue(b.forwardLayer is GRU)
        XCTAssertFalse(b.forwardLayer.config.goBackwards)
        XCTAssertTrue(b.backwardLayer.config.goBackwards)
        var g = SeededGenerator(seed: 1)
        try b.build(inputShape: [4, 2], rng: &g)
        XCTAssertEqual(try b.outputShape(for: [4, 2]), [4, 6])
        XCTAssertEqual(b.namedParameters.map(\.name).first, "bidirectional_1.forward_layer.kernel")
        var ctx = ForwardContext(training: false)
        XCTAssertEqual(try b.forward(Tensor.zeros([1, 4, 2]), context: &ctx).shape, [1, 4, 6])
    }

    func testRejectsUnknownAndNonRecurrentTypes() throws {
        let r = try registry()
        XCTAssertThrowsError(
            try r.make(
                .layer, "Bidirectional", config: ["layer": ["type": "acme.MyGUR", "units": 3]], as: (any Layer).self)
        ) { e in
            XCTAssertTrue("\(e)".contains("did you mean 'acme.MyGRU'"), "\(e)")
        }
        XCTAssertThrowsError(
            try r.make(.layer, "Bidirectional", config: ["layer": ["type": "Dense", "units": 3]], as: (any Layer).self)
        ) { e in
            XCTAssertTrue("\(e)".contains("'Dense' is not a recurrent layer"), "\(e)")
        }
        // Without a registry only Unroll's own recurrent layers can be wrapped, with a clear error otherwise.
        var c = Bidirectional.Config()
        c.layer = .object(["type": .string("acme.MyGRU"), "units": .number(2)])
        XCTAssertThrowsError(try Bidirectional(config: c, name: "b")) { e in
            XCTAssertTrue("\(e)".contains("not a recurrent layer"), "\(e)")
        }
    }
}
