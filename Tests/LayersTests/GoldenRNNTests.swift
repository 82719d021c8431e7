import Layers
import Tensors
import XCTest

/// The course notes' worked recurrent examples, through the real layers.
final class GoldenRNNTests: XCTestCase {
    /// Sets a SimpleRNN's weights from the notes' column-vector matrices (`a = f(W_ax x + W_aa a)`):
    /// Unroll's row-major kernels are their transposes.
    func rnn(units: Int, activation: ActivationKind, wax: Tensor, waa: Tensor, bias: Tensor) throws -> SimpleRNN {
        let l = try SimpleRNN(units: units, activation: activation, returnSequences: true, name: "rnn")
        var g = SeededGenerator(seed: 0)
        try l.build(inputShape: [2, wax.shape[1]], rng: &g)
        try l.kernel.assign(wax.transposed())
        try l.recurrentKernel.assign(waa.transposed())
        try l.bias.assign(bias)
        return l
    }

    func testCharacterRNNPredictsEFromH() throws {
        let waa = try Tensor(rows: [[1, 1, -1, -1], [1, 0, 0, 0], [0, -1, 1, 0], [0, 0, -1, 0.5]])
        let wax = try Tensor(rows: [[0, 0, 1, -1], [1, 1, -1, 0], [-1, 0, 1, 0], [0, 0, 1, 0.5]])
        let wya = try Tensor(rows: [[0, 1, 0, -1.5], [1, 0, 0, 0], [0, -0.5, 1, 0], [0, 0, -1, 1]])
        let l = try rnn(units: 4, activation: .sigmoid, wax: wax, waa: waa, bias: Tensor.zeros([4]))
        let h = try Tensor(shape: [1, 1, 4], scalars: [1, 0, 0, 0])  // "h" over {h, e, l, o}
        var ctx = ForwardContext(training: false)
        let a1 = try l.forward(h, context: &ctx).reshaped([1, 4])
        assertClose(a1.scalars, [0.5, 0.7311, 0.2689, 0.5], tol: 1e-4)

        let out = try Dense(units: 4, useBias: false, name: "out")
        var g = SeededGenerator(seed: 0)
        try out.build(inputShape: [4], rng: &g)
        try out.kernel.assign(wya.transposed())
        let logits = try out.forward(a1, context: &ctx)
        assertClose(logits.scalars, [-0.0189, 0.5, -0.0966, 0.2311], tol: 1e-4)
        let p = try logits.softmax()
        XCTAssertEqual(p.scalars[1], 0.3436, accuracy: 1e-4)
        XCTAssertEqual(try p.argmax().scalars, [1])  // "e"
    }

    func testTanhRNNOverHThenE() throws {
        let wxh = try Tensor(rows: [
            [0.287027, 0.84606, 0.572392, 0.486813],
            [0.902874, 0.871522, 0.691079, 0.18998],
            [0.537524, 0.09224, 0.558159, 0.491528],
        ])
        // The scalar recurrent weight 0.427043 broadcasts as 0.427043·I, the scalar bias to every unit.
        let whh = try Tensor(rows: (0..<3).map { i in (0..<3).map { $0 == i ? 0.427043 : 0 } })
        let l = try rnn(units: 3, activation: .tanh, wax: wxh, waa: whh, bias: Tensor.filled([3], with: 0.567))
        let he = try Tensor(shape: [1, 2, 4], scalars: [1, 0, 0, 0, 0, 1, 0, 0])
        var ctx = ForwardContext(training: false)
        let hs = try l.forward(he, context: &ctx)
        assertClose(try hs.slice(axis: 1, start: 0, length: 1).scalars, [0.693167, 0.899553, 0.802118], tol: 2e-5)
        let h2 = try hs.slice(axis: 1, start: 1, length: 1).reshaped([1, 3])
        assertClose(h2.scalars, [0.936534, 0.949104, 0.762340], tol: 2e-5)

        let why = try Tensor(rows: [
            [0.37168, 0.974829459, 0.830034886], [0.39141, 0.282585823, 0.659835709],
            [0.64985, 0.09821557, 0.334287084], [0.91266, 0.32581642, 0.144630018],
        ])
        let y2 = try Tensor.matmul(h2, why, transposeB: true)
        assertClose(y2.scalars, [1.906074, 1.137791, 0.956664, 1.274228], tol: 5e-5)
        assertClose(try y2.softmax().scalars, [0.4197, 0.1947, 0.1624, 0.2231], tol: 1e-4)
    }
}

func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "count", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= tol) {
        XCTFail("element \(i): \(x) vs \(y) (tolerance \(tol))", file: file, line: line)
        return
    }
}
