import Layers
import XCTest

@testable import Tensors

/// A recurrent layer fed one-hot rows (a character model's letters, padding as all-zero rows)
/// projects each distinct symbol once (`Tensor.oneHotIDs`); it must give what the product gives.
final class OneHotFusionTests: XCTestCase {
    /// 4 sequences of 9 over 6 symbols; id 6 is an all-zero (padding) row.
    let x: Tensor = {
        let ids: [Int] = [
            3, 5, 3, 0, 1, 1, 6, 6, 6, 2, 3, 3, 4, 5, 2, 0, 6, 6,
            1, 3, 5, 5, 1, 6, 6, 6, 6, 0, 0, 2, 3, 4, 5, 1, 2, 3,
        ]
        var rows = [Float](repeating: 0, count: ids.count * 6)
        for (r, id) in ids.enumerated() where id < 6 { rows[r * 6 + id] = 1 }
        return try! Tensor(shape: [4, 9, 6], scalars: rows)
    }()

    /// Output and parameter gradients of `layer` on `input`, with the fusion on or off; also
    /// whether the fused op was on the tape.
    func run(_ layer: any Layer, on input: Tensor, fuse: Bool) throws -> (values: [[Float]], fused: Bool) {
        Tensor.fuseLookupProjection = fuse
        defer { Tensor.fuseLookupProjection = true }
        var g = SeededGenerator(seed: 2)
        try layer.build(inputShape: Array(input.shape.dropFirst()), rng: &g)
        var ctx = ForwardContext(training: true, seed: 3)
        let y = try layer.forward(input, context: &ctx)
        let grads = try gradients(
            of: (y * rand(y.shape, seed: 4)).sum(), wrt: layer.namedParameters.map(\.parameter.value))
        return ([y.scalars] + grads.map(\.scalars), opNames(y).contains("lookupProjection"))
    }

    func assertFusedMatches(_ make: () throws -> any Layer, file: StaticString = #filePath, line: UInt = #line) throws {
        let fused = try run(make(), on: x, fuse: true)
        let plain = try run(make(), on: x, fuse: false)
        XCTAssertTrue(fused.fused, "the fused projection was not used", file: file, line: line)
        XCTAssertFalse(plain.fused, file: file, line: line)
        XCTAssertEqual(fused.values.count, plain.values.count, file: file, line: line)
        XCTAssertEqual(
            fused.values[0], plain.values[0], "the forward adds the same single product to the bias", file: file,
            line: line)
        for (a, b) in zip(fused.values, plain.values).dropFirst() {
            assertClose(a, b, tol: 1e-5, file: file, line: line)
        }
    }

    func testLSTMReturnSequences() throws { try assertFusedMatches { try LSTM(units: 4, returnSequences: true) } }
    func testGRUGoBackwards() throws { try assertFusedMatches { try GRU(units: 3, goBackwards: true) } }
    func testSimpleRNN() throws { try assertFusedMatches { try SimpleRNN(units: 5) } }

    /// The fused one-hot path against finite differences, for every LSTM parameter.
    func testFusedGradientsMatchFiniteDifferences() throws {
        let lstm = try LSTM(units: 3, returnSequences: true)
        var g = SeededGenerator(seed: 5)
        try lstm.build(inputShape: [9, 6], rng: &g)
        try assertFusedGradientsMatchFiniteDifferences([lstm]) { ctx in try lstm.forward(self.x, context: &ctx) }
    }

    /// Rows that are not one-hot, or an input that needs its own gradient, are projected per
    /// position; the input's gradient is then there.
    func testDenseOrDifferentiableInputIsNotFused() throws {
        XCTAssertFalse(try run(LSTM(units: 3), on: rand([4, 9, 6], seed: 1), fuse: true).fused)
        let lstm = try LSTM(units: 3)
        var g = SeededGenerator(seed: 2)
        try lstm.build(inputShape: [9, 6], rng: &g)
        let input = x.requiringGrad()
        var ctx = ForwardContext(training: true)
        let y = try lstm.forward(input, context: &ctx)
        XCTAssertFalse(opNames(y).contains("lookupProjection"))
        let dx = try gradients(of: y.sum(), wrt: [input])[0]
        XCTAssertEqual(dx.shape, [4, 9, 6])
        XCTAssertNotEqual(dx.scalars, [Float](repeating: 0, count: dx.count))
    }
}
