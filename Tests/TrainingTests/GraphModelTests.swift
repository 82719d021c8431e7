import Foundation
import Layers
import Optimizers
import Tensors
import Training
import XCTest

/// Models that are graphs: one class with chains, one path for fit, predict and checkpoints.
final class GraphModelTests: XCTestCase {
    func ids(_ b: Int, _ t: Int, seed: UInt64) throws -> Tensor {
        var g = SeededGenerator(seed: seed)
        return try Tensor(
            shape: [b, t],
            scalars: (0..<(b * t)).map { i in i % t >= t - 2 && i / t % 2 == 0 ? 0 : Float(1 + Int(g.next() % 19)) })
    }

    /// Embedding (masked) → GRU sequences → max and average pooling → concatenated → Dense.
    func pooled(seed: UInt64 = 1) throws -> Model {
        try Model(
            inputShape: [6],
            nodes: [
                .init(Embedding(inputDim: 20, outputDim: 4, maskZero: true), inputs: ["input"]),
                .init(GRU(units: 5, returnSequences: true), inputs: ["embedding_1"]),
                .init(GlobalMaxPooling1D(), inputs: ["gru_1"]),
                .init(GlobalAveragePooling1D(), inputs: ["gru_1"]),
                .init(Concatenate(), inputs: ["global_max_pooling1_d_1", "global_average_pooling1_d_1"]),
                .init(Dense(units: 3), inputs: ["concatenate_1"]),
            ], seed: seed, name: "pooled")
    }

    func testAChainWrittenAsAGraphIsTheSameModel() throws {
        let chain = try Sequential(
            inputShape: [6], layers: [Embedding(inputDim: 20, outputDim: 4), LSTM(units: 5), Dense(units: 3)], seed: 9)
        let graph = try Model(
            inputShape: [6],
            nodes: [
                .init(Embedding(inputDim: 20, outputDim: 4), inputs: ["input"]),
                .init(LSTM(units: 5), inputs: ["embedding_1"]),
                .init(Dense(units: 3), inputs: ["lstm_1"]),
            ], seed: 9)
        XCTAssertTrue(chain.isChain && graph.isChain)
        let x = try ids(4, 6, seed: 2)
        XCTAssertEqual(try chain.predict(x).scalars, try graph.predict(x).scalars)
        XCTAssertEqual(chain.summary(), graph.summary().replacingOccurrences(of: "\"model\"", with: "\"sequential\""))
        // The graph loop (what a branching graph runs) gives a chain the chain loop's bits.
        Model.chainLoop = false
        defer { Model.chainLoop = true }
        XCTAssertEqual(try chain.predict(x).scalars, try graph.predict(x).scalars)
        let t = Trainer(model: graph, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam())
        let y = try Tensor(shape: [4], scalars: [0, 1, 2, 1])
        let lossGraphLoop = try t.trainStep(x: x, y: y, seed: 1)
        Model.chainLoop = true
        let t2 = Trainer(model: chain, loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam())
        XCTAssertEqual(try t2.trainStep(x: x, y: y, seed: 1), lossGraphLoop)
        XCTAssertEqual(
            chain.namedParameters.flatMap { $0.parameter.value.scalars },
            graph.namedParameters.flatMap { $0.parameter.value.scalars })
    }

    func testPooledGraphShapesSummaryAndGradients() throws {
        let m = try pooled()
        XCTAssertFalse(m.isChain)
        XCTAssertEqual(m.outputShape, [3])
        XCTAssertEqual(m.layerOutputShapes, [[6, 4], [6, 5], [5], [5], [10], [3]])
        // Parameters: embedding 80, GRU 3·5·(4 + 5) + 2·15 = 165, dense 10·3 + 3 = 33.
        XCTAssertEqual(m.namedParameters.reduce(0) { $0 + $1.parameter.count }, 80 + 165 + 33)
        let s = m.summary()
        XCTAssertTrue(s.contains("Connected to"), s)
        XCTAssertTrue(
            s.contains("concatenate_1 (Concatenate)")
                && s.contains("global_max_pooling1_d_1, global_average_pooling1_d_1"), s)
        XCTAssertEqual(try m.predict(try ids(3, 6, seed: 4)).shape, [3, 3])
        // Finite differences through the whole graph, with respect to every parameter.
        let x = try ids(3, 6, seed: 4)  // a small ε: max pooling has kinks a large step could cross
        let report = try GradientCheck.checkParameters(of: m, input: x, epsilon: 3e-3, seed: 5)
        XCTAssertLessThan(report.maxError, 2e-2, "\(report)")
    }

    /// An encoder's final states start a decoder (Keras's `initial_state`): the decoder's output
    /// equals a plain call from those states, the states are named `enc.h`/`enc.c` in the
    /// summary, and finite differences agree with the tape through the hand-over for every
    /// parameter (the encoder's are reached only through its states).
    func testRecurrentStatesHandOverToADecoder() throws {
        let enc = try LSTM(units: 3, name: "enc")
        let dec = try LSTM(units: 3, returnSequences: true, name: "dec")
        let m = try Model(
            inputShape: [4, 2],
            nodes: [
                .init(enc, inputs: ["input"]), .init(dec, inputs: ["input", "enc.h", "enc.c"]),
                .init(Dense(units: 2), inputs: ["dec"]),
            ], seed: 5)
        XCTAssertFalse(m.isChain)
        XCTAssertEqual(m.nodes[0].stateNames, ["h", "c"])
        XCTAssertEqual(m.inputNames(of: m.nodes[1]), ["input", "enc.h", "enc.c"])
        XCTAssertTrue(m.summary().contains("input, enc.h, enc.c"), m.summary())
        var g = SeededGenerator(seed: 2)
        let x = Tensor.randomUniform([2, 4, 2], low: -1, high: 1, using: &g)
        // The decoder run by hand from the encoder's states.
        var ctx = ForwardContext(training: false)
        let states = try enc.call(x, initialState: nil, context: &ctx).states
        let byHand = try dec.call(x, initialState: states, context: &ctx).output
        let dense = m.nodes[2].layer
        XCTAssertTrue(try m.predict(x).isClose(to: try dense.forward(byHand, context: &ctx), tolerance: 1e-6))
        let report = try GradientCheck.checkParameters(of: m, input: x)
        XCTAssertLessThan(report.maxError, 2e-2, "\(report)")
        // A GRU has one state; asking for two, or for a state it lacks, names the node.
        XCTAssertThrowsError(
            try Model(
                inputShape: [4, 2],
                nodes: [
                    .init(GRU(units: 3), inputs: ["input"], name: "g"), .init(GRU(units: 3), inputs: ["input", "g.c"]),
                ])
        ) { e in XCTAssertTrue("\(e)".contains("g has states h, not 'c'"), "\(e)") }
        XCTAssertThrowsError(
            try Model(
                inputShape: [4, 2],
                nodes: [
                    .init(GRU(units: 3), inputs: ["input"], name: "g"), .init(GRU(units: 4), inputs: ["input", "g.h"]),
                ])
        ) { e in XCTAssertTrue("\(e)".contains("initial state h must be [batch, 4], given [batch, 3]"), "\(e)") }
    }

    /// One Dense applied to two branches: built once, counted once, and both calls train it.
    func testASharedLayerHasOneSetOfWeights() throws {
        let shared = try Dense(units: 4, activation: .tanh, name: "shared")
        let m = try Model(
            inputShape: [3],
            nodes: [
                .init(try Dense(units: 2, name: "a"), inputs: ["input"]),
                .init(try Dense(units: 2, name: "b"), inputs: ["input"]),
                .init(shared, inputs: ["a"]), .init(shared, inputs: ["b"]),
                .init(Add(), inputs: ["shared", "shared_2"]), .init(Dense(units: 1), inputs: ["add_1"]),
            ], seed: 2)
        XCTAssertEqual(m.layers.count, 5)
        XCTAssertEqual(m.nodes.map(\.name), ["a", "b", "shared", "shared_2", "add_1", "dense_1"])
        XCTAssertEqual(
            m.namedParameters.filter { $0.name.hasPrefix("shared") }.map(\.name), ["shared.kernel", "shared.bias"])
        XCTAssertTrue(m.summary().contains("shared_2 (Dense)"))
        // The shared kernel's gradient is the sum over both calls: compare with finite differences.
        var g = SeededGenerator(seed: 3)
        let x = Tensor.randomUniform([5, 3], low: -1, high: 1, using: &g)
        let kernel = shared.namedParameters[0].parameter
        let report = try GradientCheck.check([kernel.value]) { leaves in
            kernel.bind(leaves[0])
            var ctx = ForwardContext(training: false)
            return try m.forward(x, context: &ctx).sum()
        }
        XCTAssertLessThan(report.maxError, 1e-2, "\(report)")
        // A shared layer must be called on inputs of the shape it was built for.
        XCTAssertThrowsError(
            try Model(
                inputShape: [3],
                nodes: [
                    .init(try Dense(units: 2, name: "c"), inputs: ["input"]), .init(shared, inputs: ["c"]),
                    .init(shared, inputs: ["shared"]),
                ])
        ) { e in
            XCTAssertTrue("\(e)".contains("is shared, and was built for [batch, 2], not [batch, 4]"), "\(e)")
        }
    }

    func testUnknownLaterAndMismatchedInputsAreErrorsNamingTheNode() throws {
        XCTAssertThrowsError(try Model(inputShape: [3], nodes: [.init(try Dense(units: 2), inputs: ["inputs"])])) { e in
            XCTAssertTrue("\(e)".contains("no node or input is named 'inputs'"), "\(e)")
        }
        for layer: any Layer in [try LSTM(units: 2), try Concatenate(), try Dense(units: 2)] {
            XCTAssertThrowsError(try Model(inputShape: [4, 3], nodes: [.init(layer, inputs: [])])) { e in
                XCTAssertTrue("\(e)".contains("node 0 (") && "\(e)".contains("reads no input"), "\(e)")
            }
        }
        XCTAssertThrowsError(
            try Model(
                inputShape: [3],
                nodes: [
                    .init(try Dense(units: 2, name: "a"), inputs: ["b"]),
                    .init(try Dense(units: 2, name: "b"), inputs: ["a"]),
                ])
        ) { e in
            XCTAssertTrue("\(e)".contains("'b' is this node or a later one") && "\(e)".contains("no cycles"), "\(e)")
        }
        XCTAssertThrowsError(
            try Model(
                inputShape: [3],
                nodes: [
                    .init(try Dense(units: 2, name: "a"), inputs: ["input"]),
                    .init(try Dense(units: 5, name: "b"), inputs: ["input"]),
                    .init(try Add(), inputs: ["a", "b"]),
                ])
        ) { e in
            XCTAssertTrue("\(e)".contains("add_1") && "\(e)".contains("must have one shape"), "\(e)")
        }
    }

    /// A graph trains through `Trainer.fit` and round-trips through a checkpoint.
    func testAGraphTrainsAndRoundTripsThroughACheckpoint() throws {
        let x = try ids(48, 6, seed: 6)
        let y = try x.sum(axis: 1).mapElements { Float(Int($0) % 3) }
        let trainer = Trainer(
            model: try pooled(seed: 3), loss: SparseCategoricalCrossEntropy(fromLogits: true),
            optimizer: Adam(learningRate: 0.02))
        var o = FitOptions()
        o.epochs = 4
        o.batchSize = 8
        o.verbosity = .quiet
        o.seed = 1
        let h = try trainer.fit(x: x, y: y, options: o)
        XCTAssertLessThan(h.epochs.last!.values["loss"]!, h.epochs.first!.values["loss"]!)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "graph-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.saveWeights(trainer.model, to: url)
        let other = try pooled(seed: 99)
        try Checkpoint.loadWeights(other, from: url)
        XCTAssertEqual(try other.predict(x).scalars, try trainer.model.predict(x).scalars)
    }
}
