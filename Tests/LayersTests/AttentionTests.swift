import Foundation
import Layers
import PluginRegistry
import Tensors
import XCTest

final class AttentionTests: XCTestCase {
    /// Dot attention by hand: one query step over two value steps.
    /// s = [q·v1, q·v2] = [1, 0]; a = softmax = [e/(e+1), 1/(e+1)] = [0.7311, 0.2689];
    /// c = 0.7311·[1, 0] + 0.2689·[0, 1] = [0.7311, 0.2689].
    func testDotAttentionByHandAndTheMask() throws {
        let att = try Attention(score: .dot)
        let q = try Tensor(shape: [1, 1, 2], scalars: [1, 0])
        let v = try Tensor(shape: [1, 2, 2], scalars: [1, 0, 0, 1])
        var ctx = ForwardContext(training: false)
        let c = try att.forward([q, v], masks: [nil, nil], context: &ctx)
        XCTAssertEqual(c.shape, [1, 1, 2])
        XCTAssertEqual(c.scalars[0], 0.7311, accuracy: 1e-4)
        XCTAssertEqual(c.scalars[1], 0.2689, accuracy: 1e-4)
        XCTAssertEqual(att.lastWeights!.scalars[0], 0.7311, accuracy: 1e-4)
        // The first value step masked out: all weight on the second, c = v2.
        let m = try Tensor(shape: [1, 2], scalars: [0, 1])
        let qm = try Tensor(shape: [1, 1], scalars: [1])
        let masked = try att.forward([q, v], masks: [qm, m], context: &ctx)
        XCTAssertEqual(masked.scalars, [0, 1])
        XCTAssertEqual(ctx.mask?.scalars, [1], "the output carries the query's mask")
        // Scaled: scores ÷ √2.
        let scaled = try Attention(score: .dot, scale: true).forward([q, v], masks: [nil, nil], context: &ctx)
        let w = 1 / (1 + Foundation.exp(-1 / Float(2).squareRoot()))
        XCTAssertEqual(scaled.scalars[0], w, accuracy: 1e-5)
    }

    /// Finite differences for the query, the values and `general`'s W, with a values mask.
    func testGradientsOfDotAndGeneralAttention() throws {
        var rng = SeededGenerator(seed: 6)
        let q = Tensor.randomUniform([2, 3, 4], low: -1, high: 1, using: &rng)
        let v = Tensor.randomUniform([2, 5, 4], low: -1, high: 1, using: &rng)
        let mask = try Tensor(shape: [2, 5], scalars: [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
        for score in Attention.Score.allCases {
            let att = try Attention(score: score)
            try att.build(inputShape: [3, 4], rng: &rng)
            let params = att.namedParameters.map(\.parameter)
            XCTAssertEqual(params.count, [.dot: 0, .general: 1, .additive: 3][score])
            let report = try GradientCheck.check([q, v] + params.map(\.value)) { t in
                for (p, value) in zip(params, t.dropFirst(2)) { p.bind(value) }
                var ctx = ForwardContext(training: true)
                return try att.forward([t[0], t[1]], masks: [nil, mask], context: &ctx)
            }
            XCTAssertLessThan(report.maxError, 1e-2, "\(score): \(report)")
        }
        // Additive scores with their own hidden size: W_q, W_v [4, 6], w [6, 1].
        var c = Attention.Config()
        c.score = .additive
        c.units = 6
        let wide = try Attention(config: c)
        try wide.build(inputShape: [3, 4], rng: &rng)
        XCTAssertEqual(wide.namedParameters.map(\.parameter.shape), [[4, 6], [4, 6], [6, 1]])
        var ctx = ForwardContext(training: false)
        let out = try wide.forward([q, v], masks: [nil, mask], context: &ctx)
        XCTAssertEqual(out.shape, [2, 3, 4])
        // Masked value steps get no weight: row 1's last two steps.
        let w = wide.lastWeights!.scalars
        for i in 0..<3 { XCTAssertEqual(w[i * 5 + 3] + w[i * 5 + 4], 0, accuracy: 1e-6) }
    }

    func testShapesAndRegistration() throws {
        let att = try Attention()
        XCTAssertEqual(try att.outputShape(forInputs: [[3, 8], [9, 8]]), [3, 8])
        XCTAssertThrowsError(try att.outputShape(forInputs: [[3, 8], [9, 6]])) { e in
            XCTAssertTrue("\(e)".contains("with one H"), "\(e)")
        }
        let registry = try Registry(modules: [LayersPlugins.self])
        let made = try registry.make(
            .layer, "Attention", config: ["score": "general", "scale": true], instanceName: "att", as: (any Layer).self)
        XCTAssertEqual((made as? Attention)?.config.score, .general)
        XCTAssertEqual(made.name, "att")
        let json = try made.configJSON()
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"general\""))
    }
}
