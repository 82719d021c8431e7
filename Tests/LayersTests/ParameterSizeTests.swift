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

    /// Sizes the config alone fixes are refused by `init`, naming the field (so `unroll validate`
    /// catches them); sizes that come with the input, by `build`.
    func testBuiltInLayersRefuseImpossibleSizes() throws {
        let atInit: [(() throws -> any Layer, String, String)] = [
            (
                { try Dense(units: 1_000_000_000_000, name: "dense_1") }, "dense_1: units: 1000000000000",
                "[1000000000000]"
            ),
            ({ try LSTM(units: 1 << 20, name: "lstm_1") }, "lstm_1: units: 1048576", "[1048576, 4194304]"),
            ({ try GRU(units: 3_000_000_000, name: "gru_1") }, "gru_1: units: 3000000000", "[3000000000, 9000000000]"),
            (
                { try SimpleRNN(units: Int.max, name: "simple_rnn_1") }, "simple_rnn_1: units: \(Int.max)",
                "[\(Int.max), \(Int.max)]"
            ),
            (
                { try Embedding(inputDim: 1_000_000_000, outputDim: 1_000_000, name: "embedding_1") },
                "embedding_1: input_dim: 1000000000", "[1000000000, 1000000]"
            ),
        ]
        for (make, prefix, rendered) in atInit {
            XCTAssertThrowsError(try make(), prefix) { e in
                XCTAssertTrue(
                    "\(e)".hasPrefix("\(prefix) cannot be trained here: a parameter of shape \(rendered) is too large"),
                    "\(e)")
            }
        }
        var rng = SeededGenerator(seed: 1)
        let dense = try Dense(units: 1_000_000, name: "dense_2")
        XCTAssertThrowsError(try dense.build(inputShape: [2_000_000_000], rng: &rng)) { e in
            XCTAssertTrue("\(e)".hasPrefix("dense_2: a parameter of shape [2000000000, 1000000] is too large"), "\(e)")
        }
        // A normal size still builds, with Keras's count.
        let lstm = try LSTM(units: 64)
        try lstm.build(inputShape: [100, 128], rng: &rng)
        XCTAssertEqual(lstm.parameterCount, 49_408)
    }
}
