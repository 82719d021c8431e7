import LayerConformance
import Layers
import PluginRegistry
import Tensors
import XCTest

/// Every built-in layer, in every mode that changes its computation, through the shared check.
final class ConformanceTests: XCTestCase {
    func ids(_ b: Int, _ t: Int, vocab: Int, padTail: Int = 0) throws -> Tensor {
        var s: [Float] = []
        for i in 0..<b {
            for j in 0..<t { s.append(j >= t - padTail && i == 0 ? 0 : Float(1 + (i * 7 + j * 3) % (vocab - 1))) }
        }
        return try Tensor(shape: [b, t], scalars: s)
    }

    func testDense() throws {
        for act in ActivationKind.allCases {
            var c = Dense.Config()
            c.units = 3
            c.activation = act
            try LayerConformance.check(Dense.self, config: c, inputShape: [4], expectedParameters: 15)
        }
        var c = Dense.Config()
        c.units = 2
        c.useBias = false
        try LayerConformance.check(Dense.self, config: c, inputShape: [3, 4], expectedParameters: 8)  // per time step
    }

    func testActivationAndDropout() throws {
        for act in ActivationKind.allCases {
            var c = Activation.Config()
            c.activation = act
            try LayerConformance.check(Activation.self, config: c, inputShape: [5], expectedParameters: 0)
        }
        var o = LayerConformance.Options()
        o.training = true
        var d = Dropout.Config()
        d.rate = 0.3
        try LayerConformance.check(Dropout.self, config: d, inputShape: [3, 4], expectedParameters: 0, options: o)
    }

    func testEmbedding() throws {
        var o = LayerConformance.Options()
        o.integerInput = true
        o.input = try ids(2, 5, vocab: 7, padTail: 2)
        var c = Embedding.Config()
        c.inputDim = 7
        c.outputDim = 3
        c.maskZero = true
        try LayerConformance.check(Embedding.self, config: c, inputShape: [5], expectedParameters: 21, options: o)
    }

    func testOneHot() throws {
        var o = LayerConformance.Options()
        o.integerInput = true
        o.input = try ids(2, 3, vocab: 5)
        var c = OneHot.Config()
        c.depth = 5
        try LayerConformance.check(OneHot.self, config: c, inputShape: [3], expectedParameters: 0, options: o)
    }

    /// Runs the recurrent matrix: sequences or last step, forwards or backwards, masked or not,
    /// dropout and recurrent dropout in training.
    func recurrentMatrix<L: RecurrentLayer>(
        _ type: L.Type, units: Int, features: Int, expected: Int,
        configure: (inout L.Config) -> Void = { _ in }
    ) throws {
        let mask = try Tensor(shape: [2, 4], scalars: [1, 1, 0, 1, 1, 1, 1, 0])
        for seq in [false, true] {
            for back in [false, true] {
                for masked in [false, true] {
                    var c = L.Config()
                    configure(&c)
                    setCommon(&c, units: units, returnSequences: seq, goBackwards: back)
                    var o = LayerConformance.Options()
                    if masked { o.mask = mask }
                    try LayerConformance.check(
                        L.self, config: c, inputShape: [4, features], expectedParameters: expected, options: o)
                }
            }
        }
        var c = L.Config()
        configure(&c)
        setCommon(&c, units: units, returnSequences: true, goBackwards: false, dropout: 0.25, recurrentDropout: 0.4)
        var o = LayerConformance.Options()
        o.training = true
        try LayerConformance.check(
            L.self, config: c, inputShape: [4, features], expectedParameters: expected, options: o)
        // A batch of 17 on 2 threads: the kernel splits it (9 + 8 rows, each its own time loop).
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        BLAS.threadCount = 2
        var split = LayerConformance.Options()
        split.training = true
        split.batch = 17
        split.mask = try Tensor(shape: [17, 4], scalars: (0..<68).map { $0 % 7 == 3 ? 0 : 1 })
        try LayerConformance.check(
            L.self, config: c, inputShape: [4, features], expectedParameters: expected, options: split)
    }

    func setCommon<C: RecurrentLayerConfig>(
        _ c: inout C, units: Int, returnSequences: Bool, goBackwards: Bool,
        dropout: Float = 0, recurrentDropout: Float = 0
    ) {
        var obj = (try? JSONSerialization.jsonObject(with: LayerConfigCoding.encode(c))) as? [String: Any] ?? [:]
        obj["units"] = units
        obj["return_sequences"] = returnSequences
        obj["go_backwards"] = goBackwards
        obj["dropout"] = dropout
        obj["recurrent_dropout"] = recurrentDropout
        c = (try? LayerConfigCoding.decode(C.self, from: obj)) ?? c
    }

    func testSimpleRNN() throws {
        for act in [ActivationKind.tanh, .sigmoid] {
            try recurrentMatrix(SimpleRNN.self, units: 3, features: 2, expected: 3 * (2 + 3 + 1)) {
                $0.activation = act
            }
        }
    }

    func testLSTM() throws { try recurrentMatrix(LSTM.self, units: 3, features: 2, expected: 4 * 3 * (2 + 3 + 1)) }
    func testGRU() throws { try recurrentMatrix(GRU.self, units: 3, features: 2, expected: 3 * 3 * (2 + 3 + 2)) }

    /// Widths of 48 and more take the tiled per-step products (`BLAS.tiledWidth`): forward with
    /// `G·H`, backward with `H` (against `Rᵀ`), padded with zero columns to a multiple of 16 when
    /// needed. Same checks, with masks, recurrent dropout and a batch split over 2 threads.
    func testTiledStepWidths() throws {
        try recurrentMatrix(SimpleRNN.self, units: 16, features: 2, expected: 16 * (2 + 16 + 1))
        try recurrentMatrix(SimpleRNN.self, units: 50, features: 2, expected: 50 * (2 + 50 + 1))  // both padded to 64
        try recurrentMatrix(LSTM.self, units: 4, features: 2, expected: 4 * 4 * (2 + 4 + 1))  // forward tiled only
        // forward 51 → 64; backward OpenBLAS
        try recurrentMatrix(GRU.self, units: 17, features: 2, expected: 3 * 17 * (2 + 17 + 2))
        try recurrentMatrix(LSTM.self, units: 16, features: 2, expected: 4 * 16 * (2 + 16 + 1))
        try recurrentMatrix(GRU.self, units: 16, features: 2, expected: 3 * 16 * (2 + 16 + 2))
    }

    func testBidirectionalEveryMergeMode() throws {
        for merge in [Bidirectional.MergeMode.concat, .sum, .mul, .ave] {
            for seq in [false, true] {
                var c = Bidirectional.Config()
                c.layer = .object(["type": .string("GRU"), "units": .number(2), "return_sequences": .bool(seq)])
                c.mergeMode = merge
                var o = LayerConformance.Options()
                o.mask = try Tensor(shape: [2, 3], scalars: [1, 1, 1, 1, 1, 0])
                try LayerConformance.check(
                    Bidirectional.self, config: c, inputShape: [3, 2], expectedParameters: 2 * 3 * 2 * (2 + 2 + 2),
                    options: o)
            }
        }
        var c = Bidirectional.Config()
        c.layer = .object(["type": .string("LSTM"), "units": .number(2), "return_sequences": .bool(true)])
        try LayerConformance.check(
            Bidirectional.self, config: c, inputShape: [3, 2], expectedParameters: 2 * 4 * 2 * 5)
    }

    func testStatefulCarryGradients() throws {
        // The state carried from a priming batch is a constant for the next batch; the check
        // resets and re-primes before each evaluation so every evaluation sees the same carry.
        var c = LSTM.Config()
        c.units = 2
        c.stateful = true
        c.returnSequences = true
        var o = LayerConformance.Options()
        let carry = [rand([2, 2], seed: 98), rand([2, 2], seed: 99)]
        o.prepare = { layer in
            let l = layer as! LSTM
            try l.resetStates(to: carry)
            XCTAssertEqual(l.carried.states.count, 2)
        }
        try LayerConformance.check(LSTM.self, config: c, inputShape: [3, 2], expectedParameters: 4 * 2 * 5, options: o)
    }
}

func rand(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: low, high: high, using: &g)
}
