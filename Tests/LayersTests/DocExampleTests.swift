import Layers
import Tensors
import XCTest

/// The code examples in the Layers module's doc comments, run as written (inputs the comments
/// only name, like `ids` or `x`, are made here) and checked against the values the comments state.
final class DocExampleTests: XCTestCase {
    func testActivationAndActivationKind() throws {
        let act = try Activation(.sigmoid)
        var ctx = ForwardContext(training: false)
        let a = try act.forward(Tensor([0, 1, -1, 0]), context: &ctx)
        assertClose(a.scalars, [0.5, 0.7311, 0.2689, 0.5])  // the module's helper (GoldenRNNTests)
        assertClose(try ActivationKind.softmax.apply(Tensor([1, 2, 3])).scalars, [0.0900, 0.2447, 0.6652])
    }

    func testDropout() throws {
        let drop = try Dropout(rate: 0.5)
        var train = ForwardContext(training: true, seed: 7)
        let y = try drop.forward(Tensor.ones([4, 100]), context: &train)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let dropped = y.scalars.filter { $0 == 0 }.count
        XCTAssertTrue((150...250).contains(dropped), "\(dropped) of 400 dropped at rate 0.5")
        var infer = ForwardContext(training: false)
        XCTAssertEqual(
            try drop.forward(Tensor.ones([4, 100]), context: &infer).scalars, [Float](repeating: 1, count: 400))
    }

    func testEmbedding() throws {
        let emb = try Embedding(inputDim: 1001, outputDim: 128, maskZero: true)
        var rng = SeededGenerator(seed: 1)
        try emb.build(inputShape: [100], rng: &rng)
        XCTAssertEqual(emb.parameterCount, 128_128)
        var ctx = ForwardContext(training: false)
        let ids = try Tensor(shape: [2, 100], scalars: (0..<200).map { Float($0 % 7) })  // id 0 every 7th step
        let v = try emb.forward(ids, context: &ctx)
        XCTAssertEqual(v.shape, [2, 100, 128])
        XCTAssertEqual(ctx.mask?.shape, [2, 100])
        XCTAssertEqual(ctx.mask?.scalars, ids.scalars.map { $0 == 0 ? 0 : 1 })
        let glove = try Tensor(shape: [1001, 128], scalars: (0..<(1001 * 128)).map { Float($0 % 128) / 128 })
        try emb.setWeights(glove)
        XCTAssertEqual(try emb.forward(ids, context: &ctx).scalars[128 + 5], 5.0 / 128)  // step 1 has id 1: row 1
    }

    func testOneHot() throws {
        let oneHot = try OneHot(depth: 4)
        var ctx = ForwardContext(training: false)
        let x = try oneHot.forward(Tensor(shape: [1, 2], scalars: [0, 1]), context: &ctx)
        XCTAssertEqual(x.shape, [1, 2, 4])
        XCTAssertEqual(x.scalars, [1, 0, 0, 0, 0, 1, 0, 0])
    }

    func testParameter() throws {
        let gain = Parameter()
        try gain.assign(Tensor.ones([8]), checkShape: false)
        XCTAssertEqual(gain.count, 8)
        XCTAssertEqual(gain.shape, [8])
    }

    func testLosses() throws {
        let p = try Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.4, 0.6])
        XCTAssertEqual(try SparseCategoricalCrossEntropy()(p, Tensor([0, 1])).scalar!, 0.3081, accuracy: 1e-4)
        let one = try Tensor([1]).reshaped([1, 1])
        XCTAssertEqual(try BinaryCrossEntropy()(Tensor([0.8]).reshaped([1, 1]), one).scalar!, 0.2231, accuracy: 1e-4)
        XCTAssertEqual(
            try BinaryCrossEntropy(fromLogits: true)(Tensor([1.3863]).reshaped([1, 1]), one).scalar!, 0.2231,
            accuracy: 1e-4)
        let y = try Tensor.oneHot(Tensor([2]), depth: 3)
        XCTAssertEqual(
            try CategoricalCrossEntropy(fromLogits: true)(Tensor([1, 2, 3]).reshaped([1, 3]), y).scalar!, 0.4076,
            accuracy: 1e-4)
        let (a, t) = try (Tensor([0.9, 0.2]).reshaped([1, 2]), Tensor([1, 0]).reshaped([1, 2]))
        XCTAssertEqual(try MeanSquaredError()(a, t).scalar!, 0.025, accuracy: 1e-6)
        XCTAssertEqual(try SumOfSquares()(a, t).scalar!, 0.05, accuracy: 1e-6)
    }

    func testSparseLossOverMaskedSteps() throws {
        // The character-model form: logits [batch, time, 65], next characters [batch, time], a mask.
        let logits = rand([2, 3, 65], seed: 4, low: -2, high: 2)
        let next = try Tensor(shape: [2, 3], scalars: [1, 7, 64, 0, 3, 9])
        let mask = try Tensor(shape: [2, 3], scalars: [1, 1, 1, 1, 1, 0])
        let l = try SparseCategoricalCrossEntropy(fromLogits: true)(logits, next, mask: mask).scalar!
        // Reference: mean of −log softmax over the five unmasked steps, in Double.
        let z = logits.scalars
        let targets = next.scalars
        var total = 0.0
        for r in 0..<5 {
            let row = z[(r * 65)..<(r * 65 + 65)].map(Double.init)
            let m = row.max()!
            total += log(row.reduce(0) { $0 + exp($1 - m) }) + m - row[Int(targets[r])]
        }
        XCTAssertEqual(Double(l), total / 5, accuracy: 1e-5)
    }

    func testBidirectional() throws {
        let bi = try Bidirectional("LSTM", ["units": .number(32), "return_sequences": .bool(true)], mergeMode: .concat)
        var rng = SeededGenerator(seed: 1)
        try bi.build(inputShape: [20, 50], rng: &rng)
        XCTAssertEqual(try bi.outputShape(for: [20, 50]), [20, 64])
        XCTAssertEqual(bi.parameterCount, 2 * 10_624)
    }

    func testRecurrentLayerCallWithStates() throws {
        let lstm = try LSTM(units: 64)
        var rng = SeededGenerator(seed: 1)
        try lstm.build(inputShape: [10, 8], rng: &rng)
        var ctx = ForwardContext(training: false)
        let x = rand([3, 10, 8], seed: 2)
        let h0 = rand([3, 64], seed: 3)
        let c0 = rand([3, 64], seed: 4)
        let out = try lstm.call(x, initialState: [h0, c0], context: &ctx)
        XCTAssertEqual(out.output.shape, [3, 64])
        XCTAssertEqual(out.states.map(\.shape), [[3, 64], [3, 64]])
        XCTAssertEqual(out.states[0].scalars, out.output.scalars)  // h_T is the output
        let fromZero = try lstm.call(x, context: &ctx)
        XCTAssertNotEqual(fromZero.output.scalars, out.output.scalars)  // the states were used
        let cell = LSTMCell()
        XCTAssertEqual([cell.gates, cell.savedSlots], [4, 4])
        XCTAssertTrue(cell.hasCellState)
    }

    func testRecurrentProbe() throws {
        let lstm = try LSTM(units: 16)
        var rng = SeededGenerator(seed: 1)
        try lstm.build(inputShape: [50, 4], rng: &rng)
        let probe = RecurrentProbe()
        var ctx = ForwardContext(training: true)
        ctx.probe = probe
        let h = try lstm.forward(rand([2, 50, 4], seed: 5), context: &ctx)
        _ = try gradients(of: h.sum(), wrt: [lstm.kernel.value])
        let records = probe.drain()
        XCTAssertEqual(records.count, 1)
        let r = try XCTUnwrap(records.first)
        XCTAssertEqual(r.gradientNorms.count, 50)
        XCTAssertTrue(r.gradientNorms.allSatisfy { $0.isFinite && $0 > 0 })
        XCTAssertGreaterThan(r.gradientNorms[49], r.gradientNorms[0])  // the loss reads only h_T
        let forget = try XCTUnwrap(r.saturation["forget"])
        XCTAssertTrue((0...1).contains(forget))
        XCTAssertTrue(probe.drain().isEmpty)  // drained
    }
}
