import Layers
import PluginRegistry
import XCTest

@testable import Tensors

/// Names of the ops on the tape below `t`.
func opNames(_ t: Tensor) -> Set<String> {
    var seen = Set<ObjectIdentifier>()
    var names = Set<String>()
    var stack = [t.gradEdge?.node].compactMap { $0 }
    while let n = stack.popLast() {
        guard seen.insert(ObjectIdentifier(n)).inserted else { continue }
        names.insert(n.op)
        stack += n.inputs.compactMap { $0?.node }
    }
    return names
}

/// Checks the gradients of every parameter in `layers` against finite differences through
/// `forward` (run in training mode), and that the fused projection was on its tape.
func assertFusedGradientsMatchFiniteDifferences(
    _ layers: [any Layer], file: StaticString = #filePath, line: UInt = #line,
    forward: (inout ForwardContext) throws -> Tensor
) throws {
    let named = layers.flatMap(\.namedParameters)
    let params = named.map(\.parameter)
    let originals = params.map(\.value)
    defer { for (p, v) in zip(params, originals) { p.bind(v) } }
    var sawFusion = false
    let report = try GradientCheck.check(originals) { xs in
        for (p, v) in zip(params, xs) { p.bind(v) }
        var ctx = ForwardContext(training: true, seed: 3)
        let y = try forward(&ctx)
        if opNames(y).contains("lookupProjection") { sawFusion = true }
        return y
    }
    XCTAssertTrue(sawFusion, "the fused projection was not used", file: file, line: line)
    XCTAssertLessThan(report.maxError, 1e-2, "\(report) (inputs: \(named.map(\.name)))", file: file, line: line)
}

/// A recurrent layer straight after an `Embedding` projects each distinct token once
/// (`Tensor.lookupProjection`); it must give what projecting every position gives.
final class EmbeddingFusionTests: XCTestCase {
    /// Token ids with padding (id 0) and repeats: 4 sequences of 9 over a vocabulary of 12.
    let ids = try! Tensor(
        shape: [4, 9],
        scalars: [
            3, 5, 3, 7, 1, 1, 0, 0, 0, 2, 3, 3, 9, 5, 2, 7, 0, 0,
            11, 3, 5, 5, 1, 0, 0, 0, 0, 7, 7, 2, 3, 9, 5, 1, 2, 3,
        ])

    /// Output and gradients (table and every layer parameter) of Embedding → `layer`, with the
    /// fusion on or off; also whether the fused op was on the tape.
    func run(_ layer: any Layer, trainable: Bool = true, training: Bool = false, fuse: Bool) throws -> (
        values: [[Float]], fused: Bool
    ) {
        Tensor.fuseLookupProjection = fuse
        defer { Tensor.fuseLookupProjection = true }
        let emb = try Embedding(inputDim: 12, outputDim: 5, maskZero: true, trainable: trainable)
        var g = SeededGenerator(seed: 2)
        try emb.build(inputShape: [9], rng: &g)
        try layer.build(inputShape: [9, 5], rng: &g)
        var ctx = ForwardContext(training: training, seed: 3)
        let y = try layer.forward(emb.forward(ids, context: &ctx), context: &ctx)
        let params = (emb.namedParameters + layer.namedParameters).map(\.parameter.value).filter(\.requiresGrad)
        let grads = try gradients(of: (y * rand(y.shape, seed: 4)).sum(), wrt: params)
        return ([y.scalars] + grads.map(\.scalars), opNames(y).contains("lookupProjection"))
    }

    func assertFusedMatches(
        _ make: () throws -> any Layer, trainable: Bool = true, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let fused = try run(make(), trainable: trainable, fuse: true)
        let plain = try run(make(), trainable: trainable, fuse: false)
        XCTAssertTrue(fused.fused, "the fused projection was not used", file: file, line: line)
        XCTAssertFalse(plain.fused, file: file, line: line)
        XCTAssertEqual(fused.values.count, plain.values.count, file: file, line: line)
        for (a, b) in zip(fused.values, plain.values) { assertClose(a, b, tol: 1e-5, file: file, line: line) }
    }

    func testLSTMWithMask() throws { try assertFusedMatches { try LSTM(units: 4, returnSequences: true) } }
    func testGRUGoBackwards() throws { try assertFusedMatches { try GRU(units: 3, goBackwards: true) } }
    func testFrozenEmbeddingSimpleRNN() throws { try assertFusedMatches({ try SimpleRNN(units: 4) }, trainable: false) }
    func testBidirectional() throws {
        try assertFusedMatches {
            try Bidirectional("LSTM", ["units": .number(3), "return_sequences": .bool(true)], mergeMode: .sum)
        }
    }

    /// The fused path (the kernel reads each step's projected row in place and sums the steps'
    /// gradients per distinct token) against finite differences, for the table and every LSTM
    /// parameter, with padding masked and `go_backwards`.
    func testFusedGradientsMatchFiniteDifferences() throws {
        let emb = try Embedding(inputDim: 12, outputDim: 4, maskZero: true)
        var c = LSTM.Config()
        c.units = 3
        c.returnSequences = true
        c.goBackwards = true
        let lstm = try LSTM(config: c)
        var g = SeededGenerator(seed: 5)
        try emb.build(inputShape: [9], rng: &g)
        try lstm.build(inputShape: [9, 4], rng: &g)
        try assertFusedGradientsMatchFiniteDifferences([emb, lstm]) { ctx in
            try lstm.forward(emb.forward(ids, context: &ctx), context: &ctx)
        }
    }

    /// Inference records nothing; the fused output is still the projected one.
    func testNoGradInference() throws {
        let emb = try Embedding(inputDim: 12, outputDim: 5)
        let gru = try GRU(units: 3, returnSequences: true)
        var g = SeededGenerator(seed: 2)
        try emb.build(inputShape: [9], rng: &g)
        try gru.build(inputShape: [9, 5], rng: &g)
        let outputs = try [true, false].map { fuse -> [Float] in
            Tensor.fuseLookupProjection = fuse
            defer { Tensor.fuseLookupProjection = true }
            var ctx = ForwardContext(training: false)
            return try withNoGrad { try gru.forward(emb.forward(ids, context: &ctx), context: &ctx).scalars }
        }
        assertClose(outputs[0], outputs[1], tol: 1e-6)
    }

    /// Repeated inference reads the layer's kept projection of the whole table; after an optimizer's
    /// in-place update of the embedding or the kernel it must give the new weights' output.
    func testKeptProjectionFollowsInPlaceUpdates() throws {
        let emb = try Embedding(inputDim: 12, outputDim: 5, maskZero: true)
        let lstm = try LSTM(units: 3, returnSequences: true)
        var g = SeededGenerator(seed: 2)
        try emb.build(inputShape: [9], rng: &g)
        try lstm.build(inputShape: [9, 5], rng: &g)
        func infer(fuse: Bool) throws -> [Float] {
            Tensor.fuseLookupProjection = fuse
            defer { Tensor.fuseLookupProjection = true }
            var ctx = ForwardContext(training: false)
            return try withNoGrad { try lstm.forward(emb.forward(ids, context: &ctx), context: &ctx).scalars }
        }
        let first = try infer(fuse: true)
        assertClose(first, try infer(fuse: false), tol: 1e-6)
        for parameter in [emb.namedParameters[0].parameter, lstm.kernel, lstm.bias] {
            parameter.update { for i in 0..<$0.count { $0[i] += 0.05 * Float(i % 3) - 0.04 } }
            let cached = try infer(fuse: true)
            assertClose(cached, try infer(fuse: false), tol: 1e-6)
            XCTAssertGreaterThan(zip(cached, first).map { abs($0 - $1) }.max()!, 1e-3, "the update changed nothing")
        }
    }

    /// Input dropout changes the vectors, so the layer projects per position.
    func testInputDropoutIsNotFused() throws {
        var c = LSTM.Config()
        c.units = 3
        c.dropout = 0.5
        XCTAssertFalse(try run(LSTM(config: c), training: true, fuse: true).fused)
        XCTAssertTrue(try run(LSTM(config: c), training: false, fuse: true).fused)  // inference: no dropout
    }

    /// An embedding's output changed on the way (here scaled) is not the lookup: no fusion.
    func testOnlyTheEmbeddingsOwnOutputIsFused() throws {
        let emb = try Embedding(inputDim: 12, outputDim: 5)
        let lstm = try LSTM(units: 3)
        var g = SeededGenerator(seed: 2)
        try emb.build(inputShape: [9], rng: &g)
        try lstm.build(inputShape: [9, 5], rng: &g)
        var ctx = ForwardContext(training: false)
        let x = try emb.forward(ids, context: &ctx)
        XCTAssertTrue(opNames(try lstm.forward(x, context: &ctx)).contains("lookupProjection"))
        XCTAssertFalse(opNames(try lstm.forward(x.scaled(by: 2), context: &ctx)).contains("lookupProjection"))
    }
}
