import Layers
import Tensors
import XCTest

/// A layer asked for weights no machine could hold throws a `LayerError` naming itself before
/// allocating anything (the spec-file path turns that into file:line:column).
final class ParameterSizeTests: XCTestCase {
    func testInitializeChecksBeforeMaking() throws {
        let p = Parameter()
        var made = false
        XCTAssertThrowsError(
            try p.initialize([1_000_000_000, 1_000_000], layer: "dense_9") {
                made = true
                return Tensor.zeros($0)
            }
        ) { e in
            guard case LayerError.invalid(let layer, let message) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(layer, "dense_9")
            XCTAssertTrue(message.contains("[1000000000, 1000000]"), message)
        }
        XCTAssertFalse(made)
        XCTAssertEqual(p.count, 0)
        try p.initialize([3, 2], layer: "dense_9") { Tensor.filled($0, with: 0.5) }
        XCTAssertEqual(p.shape, [3, 2])
        XCTAssertEqual(p.value.scalars, [Float](repeating: 0.5, count: 6))
    }

    func testBuiltInLayersRefuseImpossibleSizes() throws {
        var rng = SeededGenerator(seed: 1)
        let cases: [(any Layer, [Int], String)] = [
            (try Dense(units: 1_000_000_000_000, name: "dense_1"), [4], "[4, 1000000000000]"),
            (try LSTM(units: 1 << 20, name: "lstm_1"), [10, 4], "[1048576, 4194304]"),  // the recurrent kernel
            (try GRU(units: 3_000_000_000, name: "gru_1"), [10, 4], "[4, 9000000000]"),
            (
                try Embedding(inputDim: 1_000_000_000, outputDim: 1_000_000, name: "embedding_1"), [10],
                "[1000000000, 1000000]"
            ),
        ]
        for (layer, shape, rendered) in cases {
            XCTAssertThrowsError(try layer.build(inputShape: shape, rng: &rng), layer.name) { e in
                XCTAssertTrue("\(e)".hasPrefix("\(layer.name): a parameter of shape \(rendered) is too large"), "\(e)")
            }
        }
        // A normal size still builds, with Keras's count.
        let lstm = try LSTM(units: 64)
        try lstm.build(inputShape: [100, 128], rng: &rng)
        XCTAssertEqual(lstm.parameterCount, 49_408)
    }
}
