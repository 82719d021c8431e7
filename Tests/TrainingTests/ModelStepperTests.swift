import Layers
import Tensors
import Training
import XCTest

/// `ModelStepper`: running the decoder part of a graph one step at a time gives, at every step,
/// the output the whole graph gives for that step, also when rows are reordered and repeated
/// between steps; a graph with a layer that needs the whole sequence is refused with its name.
final class ModelStepperTests: XCTestCase {
    let (ts, tl, vocab) = (5, 4, 9)

    /// An encoder–decoder with attention (as `SequenceToSequenceTests`), random weights.
    func model(decoder: (any Layer)? = nil, between: [Model.NodeSpec] = []) throws -> Model {
        let dec = try decoder ?? GRU(units: 6, returnSequences: true)
        let recurrentDecoder = dec is GRU
        return try Model(
            inputShape: [ts + tl],
            nodes: [
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["source"], name: "src"),
                .init(try GRU(units: 6, returnSequences: true), inputs: ["src"], name: "enc"),
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["target_in"], name: "tgt"),
                .init(dec, inputs: recurrentDecoder ? ["tgt", "enc.h"] : ["tgt"], name: "dec"),
            ] + between + [
                .init(try Attention(score: .general), inputs: [between.isEmpty ? "dec" : "mid", "enc"], name: "att"),
                .init(try Concatenate(), inputs: [between.isEmpty ? "dec" : "mid", "att"], name: "both"),
                .init(Dense(units: vocab, activation: .softmax), inputs: ["both"], name: "out"),
            ],
            inputParts: [.init(name: "source", shape: [ts]), .init(name: "target_in", shape: [tl])], seed: 5)
    }

    /// Packed rows: sources of different lengths (padding masked) and their target prefixes.
    func packed() -> (x: [[Float]], sources: Int) {
        let rows: [[Float]] = [
            [3, 4, 5, 0, 0, 2, 6, 7, 8], [8, 7, 6, 5, 4, 2, 3, 3, 4], [5, 0, 0, 0, 0, 2, 8, 6, 5],
        ]
        return (rows, rows.count)
    }

    func testStepsEqualTheWholeGraphEvenWhenRowsAreReordered() throws {
        try assertStepsEqualTheWholeGraph(try model())
    }

    /// Steps `m`'s `target_in` through rows that are dropped, repeated and reordered, and compares
    /// every step with the whole graph's output for that step.
    func assertStepsEqualTheWholeGraph(_ m: Model, file: StaticString = #filePath, line: UInt = #line) throws {
        let (rows, n) = packed()
        let whole = try m.predict(try Tensor(shape: [n, ts + tl], scalars: rows.flatMap { $0 }))  // [3, 4, 9]
        let stepper = try ModelStepper(m, part: "target_in")
        try stepper.start(try Tensor(shape: [n, ts + tl], scalars: rows.flatMap { $0 }))
        // Rows of each step: example ids; parents: the row of the previous step continued. Step 2
        // drops example 1 and runs example 2 twice; step 3 takes them back in another order.
        let plan: [(rows: [Int], parents: [Int]?)] = [
            ([0, 1, 2], nil), ([0, 2, 2], [0, 2, 2]), ([2, 0, 2], [1, 0, 2]), ([0, 2], [1, 0]),
        ]
        for (t, p) in plan.enumerated() {
            let input = try Tensor(shape: [p.rows.count, 1], scalars: p.rows.map { rows[$0][ts + t] })
            let y = try stepper.step(input, rows: p.rows, parents: p.parents)
            XCTAssertEqual(y.shape, [p.rows.count, 1, vocab], file: file, line: line)
            for (i, example) in p.rows.enumerated() {
                for k in 0..<vocab {
                    XCTAssertEqual(
                        y.scalars[i * vocab + k], whole.scalars[(example * tl + t) * vocab + k], accuracy: 1e-5,
                        "step \(t) row \(i) token \(k)", file: file, line: line)
                }
            }
        }
    }

    /// With an LSTM decoder (two states) started from zeros, and a pointwise Dense between the
    /// decoder and the attention.
    func testAnLSTMDecoderWithoutGivenStatesAndAPointwiseLayerBetween() throws {
        let m = try model(
            decoder: try LSTM(units: 6, returnSequences: true),
            between: [.init(Dense(units: 6, activation: .tanh), inputs: ["dec"], name: "mid")])
        let (rows, n) = packed()
        let whole = try m.predict(try Tensor(shape: [n, ts + tl], scalars: rows.flatMap { $0 }))
        let stepper = try ModelStepper(m, part: "target_in")
        try stepper.start(try Tensor(shape: [n, ts + tl], scalars: rows.flatMap { $0 }))
        for t in 0..<tl {
            let y = try stepper.step(
                try Tensor(shape: [n, 1], scalars: (0..<n).map { rows[$0][ts + t] }), rows: Array(0..<n),
                parents: t == 0 ? nil : Array(0..<n))
            for i in 0..<n {
                for k in 0..<vocab {
                    XCTAssertEqual(y.scalars[i * vocab + k], whole.scalars[(i * tl + t) * vocab + k], accuracy: 1e-5)
                }
            }
        }
    }

    /// An attentive decoder (`AttentionLSTM`, input feeding) reads the encoder's outputs whole and
    /// carries three states (h, c, h̃) from step to step, through reordered and repeated rows; its
    /// h and c start from the encoder's final states (a graph gives two of its three states).
    func testAnAttentionLSTMDecoderStepsWithItsThreeStates() throws {
        let m = try Model(
            inputShape: [ts + tl],
            nodes: [
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["source"], name: "src"),
                .init(try LSTM(units: 6, returnSequences: true), inputs: ["src"], name: "enc"),
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["target_in"], name: "tgt"),
                .init(
                    try AttentionLSTM(units: 6, score: .general), inputs: ["tgt", "enc", "enc.h", "enc.c"], name: "dec"),
                .init(Dense(units: vocab, activation: .softmax), inputs: ["dec"], name: "out"),
            ],
            inputParts: [.init(name: "source", shape: [ts]), .init(name: "target_in", shape: [tl])], seed: 5)
        XCTAssertEqual(m.nodes[3].stateNames, ["h", "c", "attention"])
        try assertStepsEqualTheWholeGraph(m)
        // Given one initial state instead of h and c: an error naming what it takes.
        XCTAssertThrowsError(
            try Model(
                inputShape: [ts + tl],
                nodes: [
                    .init(try Embedding(inputDim: vocab, outputDim: 4), inputs: ["source"], name: "src"),
                    .init(try LSTM(units: 6, returnSequences: true), inputs: ["src"], name: "enc"),
                    .init(try AttentionLSTM(units: 6), inputs: ["src", "enc", "enc.h"], name: "dec"),
                ],
                inputParts: [.init(name: "source", shape: [ts]), .init(name: "target_in", shape: [tl])])
        ) { e in
            XCTAssertTrue("\(e)".contains("then 1 memory sequence(s), then 2 initial state(s) (h, c), given 1"), "\(e)")
        }
    }

    /// Layers that need the whole target sequence are named in the refusal.
    func testLayersThatNeedTheWholeSequenceAreRefusedByName() throws {
        var c = Bidirectional.Config()
        c.layer = .object(["type": .string("GRU"), "units": .number(3), "return_sequences": .bool(true)])
        let cases: [(any Layer, String)] = [
            (try Bidirectional(config: c, name: "bi"), "node dec (Bidirectional) needs its whole input sequence"),
            (
                try GRU(units: 6, returnSequences: true, goBackwards: true),
                "node dec (GRU) needs its whole input sequence"
            ),
        ]
        for (layer, message) in cases {
            let m = try Model(
                inputShape: [ts + tl],
                nodes: [
                    .init(try Embedding(inputDim: vocab, outputDim: 4), inputs: ["target_in"]),
                    .init(layer, inputs: ["embedding_1"], name: "dec"),
                    .init(Dense(units: vocab), inputs: ["dec"]),
                ],
                inputParts: [.init(name: "source", shape: [ts]), .init(name: "target_in", shape: [tl])])
            XCTAssertThrowsError(try ModelStepper(m, part: "target_in")) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertThrowsError(try ModelStepper(try model(), part: "targets")) {
            XCTAssertEqual("\($0)", "the model has no input part 'targets'")
        }
    }
}
