import Tensors
import XCTest

/// Every differentiable op against central finite differences (ε = 1e-2, relative tolerance 1e-2).
final class OpGradientTests: XCTestCase {
    func testArithmeticWithBroadcasting() {
        let shapes: [([Int], [Int])] = [
            ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 3], []), ([2, 1, 3], [4, 1]), ([4, 1], [2, 1, 3]),
        ]
        for (sa, sb) in shapes {
            let a = rand(sa, seed: 1)
            let b = rand(sb, seed: 2, low: 0.5, high: 1.5)
            assertGradients([a, b]) { try $0[0] + $0[1] }
            assertGradients([a, b]) { try $0[0] - $0[1] }
            assertGradients([a, b]) { try $0[0] * $0[1] }
            assertGradients([a, b]) { try $0[0] / $0[1] }
        }
    }

    func testBroadcastValuesGeneralCase() throws {
        let a = try Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [2, 1], scalars: [10, 20])
        let c = try a + b
        XCTAssertEqual(c.shape, [2, 2, 3])
        XCTAssertEqual(c.scalars, [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
    }

    /// Shapes that share a last axis of at least 8 (a dropout mask `[batch, 1, features]`) take
    /// the row-at-a-time path: its values equal an index-by-index reference, and its gradients
    /// pass the finite-difference check.
    func testBroadcastRowsAlongASharedLastAxis() throws {
        let pairs: [([Int], [Int])] = [
            ([3, 4, 9], [3, 1, 9]), ([2, 1, 9], [1, 3, 9]), ([2, 3, 2, 8], [2, 1, 1, 8]),
        ]
        for (sa, sb) in pairs {
            let (a, b) = (rand(sa, seed: 3), rand(sb, seed: 4, low: 0.5, high: 1.5))
            let c = try a * b
            let out = c.shape
            XCTAssertEqual(out, zip(sa, sb).map { max($0, $1) })
            func offset(_ i: [Int], _ shape: [Int]) -> Int {
                zip(i, shape).reduce(0) { $0 * $1.1 + ($1.1 == 1 ? 0 : $1.0) }
            }
            for o in 0..<c.count {
                var i = [Int](repeating: 0, count: out.count)
                var r = o
                for ax in stride(from: out.count - 1, through: 0, by: -1) { (i[ax], r) = (r % out[ax], r / out[ax]) }
                XCTAssertEqual(
                    c.scalars[o], a.scalars[offset(i, sa)] * b.scalars[offset(i, sb)], "\(sa) × \(sb) at \(i)")
            }
            assertGradients([a, b]) { try $0[0] * $0[1] }
            assertGradients([a, b]) { try $0[0] - $0[1] }
        }
    }

    func testUnaryOps() {
        let x = rand([3, 4], seed: 3)
        let pos = rand([3, 4], seed: 4, low: 0.5, high: 2)
        assertGradients([x]) { $0[0].sigmoid() }
        assertGradients([x]) { $0[0].tanh() }
        assertGradients([x.shifted(by: 0.05)]) { $0[0].relu() }  // keep away from the kink
        assertGradients([x]) { $0[0].exp() }
        assertGradients([pos]) { $0[0].log() }
        assertGradients([pos]) { $0[0].sqrt() }
        assertGradients([pos]) { $0[0].pow(2.5) }
        assertGradients([x]) { $0[0].squared() }
        assertGradients([x]) { $0[0].scaled(by: -3) }
        assertGradients([x]) { -$0[0] }
        assertGradients([x.scaled(by: 2)]) { try $0[0].clamped(to: -0.7, 0.65) }
    }

    func testReductions() {
        let x = rand([2, 3, 4], seed: 5)
        assertGradients([x]) { $0[0].sum() }
        assertGradients([x]) { $0[0].mean() }
        for axis in [0, 1, 2, -1] {
            assertGradients([x]) { try $0[0].sum(axis: axis) }
            assertGradients([x]) { try $0[0].mean(axis: axis, keepDims: true) }
            assertGradients([x]) { try $0[0].max(axis: axis) }
        }
    }

    func testSoftmaxFamilyOnEveryAxis() {
        let x = rand([2, 3, 4], seed: 6, low: -2, high: 2)
        for axis in [0, 1, 2] {
            assertGradients([x]) { try $0[0].softmax(axis: axis) }
            assertGradients([x]) { try $0[0].logSoftmax(axis: axis) }
        }
    }

    /// The fused sparse cross-entropy equals −Σ onehot ⊙ logSoftmax (and the last-axis
    /// logSoftmax fast path equals log(softmax)), its gradient passes finite differences, and a
    /// bad target is named.
    func testSparseSoftmaxCrossEntropy() throws {
        let logits = rand([2, 3, 5], seed: 7, low: -3, high: 3)
        let targets = try Tensor(shape: [2, 3], scalars: [0, 4, 2, 1, 1, 3])
        let fused = try logits.sparseSoftmaxCrossEntropy(targets: targets)
        let composed = try -(Tensor.oneHot(targets, depth: 5) * logits.logSoftmax()).sum(axis: -1)
        XCTAssertEqual(fused.shape, [2, 3])
        assertClose(fused.scalars, composed.scalars, tol: 1e-5)
        assertClose(try logits.logSoftmax().scalars, try logits.softmax().log().scalars, tol: 1e-5)
        // One row by hand: logits [0, ln 2, ln 3], target 2: −log(3 / 6) = ln 2.
        let row = try Tensor([0, logf(2), logf(3)]).reshaped([1, 3]).sparseSoftmaxCrossEntropy(targets: Tensor([2]))
        XCTAssertEqual(row.scalars[0], logf(2), accuracy: 1e-6)
        assertGradients([logits]) {
            try ($0[0].sparseSoftmaxCrossEntropy(targets: targets) * Tensor([1, 2, 0.5]).reshaped([1, 3])).sum()
        }
        XCTAssertThrowsError(try logits.sparseSoftmaxCrossEntropy(targets: Tensor(shape: [2, 3], repeating: 5))) { e in
            XCTAssertTrue("\(e)".contains("target 5.0 at flat position 0"), "\(e)")
        }
        XCTAssertThrowsError(try logits.sparseSoftmaxCrossEntropy(targets: Tensor([1, 2])))
        // An empty batch: an empty loss, and an empty gradient.
        let none = Tensor(shape: [0, 5], repeating: 0).requiringGrad()
        let empty = try none.sparseSoftmaxCrossEntropy(targets: Tensor(shape: [0], repeating: 0))
        XCTAssertEqual(empty.shape, [0])
        XCTAssertEqual(try gradients(of: empty.sum(), wrt: [none])[0].shape, [0, 5])
    }

    /// `sparseNegativeLog` gives the bits of `−(oneHot · log(clamp(p, ε, 1))).sum(−1)`, and the
    /// same gradient; it passes finite differences; a clipped row gets no gradient; a bad target
    /// is named.
    func testSparseNegativeLogEqualsTheComposedLoss() throws {
        let p = try rand([2, 3, 5], seed: 11, low: -3, high: 3).softmax()
        var raw = p.scalars
        raw[0 * 5 + 0] = 0  // row 0's target probability below ε: clipped
        let probs = try Tensor(shape: [2, 3, 5], scalars: raw)
        let targets = try Tensor(shape: [2, 3], scalars: [0, 4, 2, 1, 1, 3])
        let weights = try Tensor(shape: [2, 3], scalars: [1, 2, 0.5, 0, 3, -1])
        func composed(_ q: Tensor) throws -> Tensor {
            try -(Tensor.oneHot(targets, depth: 5) * q.clamped(to: 1e-7, 1).log()).sum(axis: -1)
        }
        let fused = try probs.sparseNegativeLog(targets: targets, low: 1e-7)
        XCTAssertEqual(fused.shape, [2, 3])
        XCTAssertEqual(fused.scalars, try composed(probs).scalars)
        XCTAssertEqual(fused.scalars[0], -logf(1e-7))
        XCTAssertEqual(fused.scalars[1], -logf(probs.scalars[1 * 5 + 4]))
        let leaf = probs.requiringGrad()
        let fusedLoss = try (leaf.sparseNegativeLog(targets: targets, low: 1e-7) * weights).sum()
        let gFused = try gradients(of: fusedLoss, wrt: [leaf])
        let gComposed = try gradients(of: (composed(leaf) * weights).sum(), wrt: [leaf])
        XCTAssertEqual(gFused[0].scalars.map { $0 == 0 ? 0 : $0 }, gComposed[0].scalars.map { $0 == 0 ? 0 : $0 })
        XCTAssertEqual(gFused[0].scalars[0], 0)  // clipped: the clamp passes nothing
        XCTAssertEqual(gFused[0].scalars[5 + 4], -2 / probs.scalars[5 + 4])
        // Finite differences away from the clip.
        let inner = try rand([2, 3, 5], seed: 12, low: 0.1, high: 0.9)
        assertGradients([inner]) { try $0[0].sparseNegativeLog(targets: targets, low: 1e-7) }
        XCTAssertThrowsError(try probs.sparseNegativeLog(targets: Tensor(shape: [2, 3], repeating: 5), low: 1e-7)) {
            XCTAssertTrue("\($0)".contains("target 5.0 at flat position 0 is not a class index in 0..<5"), "\($0)")
        }
        XCTAssertThrowsError(try probs.sparseNegativeLog(targets: Tensor([1, 2]), low: 1e-7))
    }

    func testShapeOps() {
        let x = rand([2, 3, 4], seed: 7)
        assertGradients([x]) { try $0[0].reshaped([6, -1]) }
        assertGradients([x]) { try $0[0].permuted([2, 0, 1]) }
        assertGradients([x]) { try $0[0].transposed() }
        assertGradients([x]) { try $0[0].slice(axis: 0, start: 1, length: 1) }
        assertGradients([x]) { try $0[0].slice(axis: 1, start: 1, length: 2) }
        assertGradients([x]) { try $0[0].split(sizes: [1, 3], axis: 2)[1] }
        assertGradients([x]) { try $0[0].reversed(axis: 1) }
        let y = rand([2, 2, 4], seed: 8)
        assertGradients([x, y]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        assertGradients([x, x.scaled(by: 2)]) { try Tensor.stack([$0[0], $0[1]], axis: 1) }
    }

    func testGatherScatterAddsRepeatedRows() throws {
        let table = rand([5, 3], seed: 9)
        let ids = try Tensor(shape: [2, 3], scalars: [0, 4, 4, 1, 0, 2])
        let out = try table.gather(indices: ids)
        XCTAssertEqual(out.shape, [2, 3, 3])
        assertClose(try out.index(0).index(1).scalars, try table.index(4).scalars)
        assertGradients([table]) { try $0[0].gather(indices: ids) }
        let cols = try Tensor(shape: [2], scalars: [2, 0])
        assertGradients([table]) { try $0[0].gather(indices: cols, axis: 1) }
        XCTAssertThrowsError(try table.gather(indices: Tensor([5]))) { e in XCTAssertTrue("\(e)".contains("gather")) }
        XCTAssertThrowsError(try table.gather(indices: Tensor([1.5])))
    }

    func testOneHot() throws {
        let h = try Tensor.oneHot(Tensor([2, 0]), depth: 3)
        XCTAssertEqual(h.shape, [2, 3])
        XCTAssertEqual(h.scalars, [0, 0, 1, 1, 0, 0])
        XCTAssertThrowsError(try Tensor.oneHot(Tensor([3]), depth: 3))
    }

    func testComposedExpressionAccumulatesSharedInputs() {
        let x = rand([3], seed: 10)
        let w = rand([3, 3], seed: 11)
        assertGradients([x, w]) { v in
            let h = try Tensor.matmul(v[0].reshaped([1, 3]), v[1]).tanh()
            return try (h * h + h.sigmoid() * v[0]).logSoftmax()
        }
    }
}
