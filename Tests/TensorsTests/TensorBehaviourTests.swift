import Tensors
import XCTest

final class TensorBehaviourTests: XCTestCase {
    func testCopyOnWriteKeepsValueSemantics() throws {
        let a = Tensor.zeros([2, 2])
        var b = a
        try b.setElement(5, at: [1, 1])
        XCTAssertEqual(a.scalars, [0, 0, 0, 0])
        XCTAssertEqual(b.scalars, [0, 0, 0, 5])
    }

    func testLeadingAxisSliceIsAViewWithCorrectValues() throws {
        let a = try Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let row = try a.index(2)
        XCTAssertEqual(row.shape, [2])
        XCTAssertEqual(row.scalars, [5, 6])
        var r2 = row
        try r2.setElement(9, at: [0])  // writing a view copies, the source stays intact
        XCTAssertEqual(a.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(r2.scalars, [9, 6])
    }

    func testTensorPointersReadViewsAndWriteWithoutTouchingSharers() throws {
        let a = try Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let shared = try Tensor(shape: [3], scalars: [7, 8, 9])
        var out = [shared, Tensor.zeros([2])]
        withTensorPointers(reading: [try a.index(1), nil], writing: &out) { read, write in
            XCTAssertNil(read[1])
            write[0][0] = read[0]![0] * 10  // a's row 1 is [3, 4]: the view's offset is honoured
            write[1][1] = read[0]![1]
        }
        XCTAssertEqual(out[0].scalars, [30, 8, 9])
        XCTAssertEqual(out[1].scalars, [0, 4])
        XCTAssertEqual(shared.scalars, [7, 8, 9])  // the copy that shared the storage is unchanged
    }

    func testCreationHelpers() throws {
        XCTAssertEqual(try Tensor.range(to: 5).scalars, [0, 1, 2, 3, 4])
        XCTAssertEqual(try Tensor.range(from: 1, to: 2, step: 0.25).scalars, [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(Tensor.filled([2], with: 3).scalars, [3, 3])
        XCTAssertEqual(Tensor(2.5).shape, [])
        XCTAssertThrowsError(try Tensor(shape: [2, 2], scalars: [1, 2, 3]))
        XCTAssertThrowsError(try Tensor(rows: [[1, 2], [3]]))
    }

    func testNoGradRecordsNothing() throws {
        let w = Tensor.ones([2]).requiringGrad()
        let y = try withNoGrad { try (w * w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try gradients(of: y, wrt: [w]))
        let z = try (w * w).sum()
        XCTAssertTrue(z.requiresGrad)
        XCTAssertEqual(try gradients(of: z, wrt: [w])[0].scalars, [2, 2])
    }

    func testUnusedTargetGetsZerosAndDetachStopsFlow() throws {
        let a = Tensor([1, 2]).requiringGrad()
        let b = Tensor([3, 4]).requiringGrad()
        let y = try (a * b.detached()).sum()
        let g = try gradients(of: y, wrt: [a, b])
        XCTAssertEqual(g[0].scalars, [3, 4])
        XCTAssertEqual(g[1].scalars, [0, 0])
    }

    func testFusedOpWithTwoOutputsReceivesBothGradients() throws {
        // y1 = 2x, y2 = x², recorded as one fused op with a hand-written backward.
        let x = Tensor([1, 3]).requiringGrad()
        let outs = Tensor.recordFused(
            "twoOut", inputs: [x], outputs: [x.detached().scaled(by: 2), x.detached().squared()]
        ) { g in
            var dx = Tensor.zeros([2])
            if let g0 = g[0] { dx = try dx + g0.scaled(by: 2) }
            if let g1 = g[1] { dx = try dx + g1 * x.detached().scaled(by: 2) }
            return [dx]
        }
        let loss = try (outs[0].sum() + outs[1].sum())
        XCTAssertEqual(try gradients(of: loss, wrt: [x])[0].scalars, [4, 8])
        let onlySecond = outs[1].sum()
        XCTAssertEqual(try gradients(of: onlySecond, wrt: [x])[0].scalars, [2, 6])
    }

    func testErrorsNameOpAndShapes() {
        XCTAssertThrowsError(try Tensor.zeros([2, 3]) + Tensor.zeros([4])) { e in
            XCTAssertEqual("\(e)".contains("add") && "\(e)".contains("[2, 3]") && "\(e)".contains("[4]"), true, "\(e)")
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).softmax(axis: 2)) { e in
            XCTAssertTrue("\(e)".contains("softmax") && "\(e)".contains("axis 2"), "\(e)")
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).reshaped([4])) { e in XCTAssertTrue("\(e)".contains("reshape")) }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).slice(axis: 1, start: 2, length: 2))
        XCTAssertThrowsError(try Tensor.zeros([2]).permuted([0, 0]))
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).element(at: [2, 0]))
    }

    func testSoftmaxIsStableForHugeLogits() throws {
        let p = try Tensor([1000, 1001, 1002]).softmax()
        XCTAssertFalse(p.scalars.contains { $0.isNaN })
        XCTAssertEqual(p.scalars.reduce(0, +), 1, accuracy: 1e-5)
        let ls = try Tensor([-1000, 0]).logSoftmax()
        XCTAssertEqual(ls.scalars[1], 0, accuracy: 1e-6)
        assertClose(Tensor([-200, 200]).sigmoid().scalars, [0, 1], tol: 1e-30)
    }

    func testReductionValues() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(try x.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(try x.sum(axis: 1, keepDims: true).shape, [2, 1])
        XCTAssertEqual(try x.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(try x.argmax(axis: 1).scalars, [1, 2])
        XCTAssertEqual(try x.mean(axis: 1).scalars, [3, 4])
        XCTAssertEqual(x.mean().scalar, 3.5)
    }

    func testBLASThreadCountIsSettable() {
        let old = BLAS.threadCount
        BLAS.threadCount = 1
        XCTAssertEqual(BLAS.threadCount, 1)
        BLAS.threadCount = old
        XCTAssertEqual(BLAS.threadCount, old)
    }
}
