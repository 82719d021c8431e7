import XCTest

@testable import Tensors

/// `Tensor.lookupProjection`: `table[ids]·W + b` computed once per distinct id.
final class LookupProjectionTests: XCTestCase {
    /// Ids with repeats: 16 positions, 5 distinct (≤ half, so the op dedups).
    let ids = try! Tensor(shape: [2, 8], scalars: [3, 1, 3, 0, 6, 1, 1, 3, 0, 0, 6, 3, 5, 1, 3, 3])

    func testMatchesGatherThenProjectWithGradients() throws {
        let table = rand([7, 5], seed: 1).requiringGrad()
        let w = rand([5, 4], seed: 2).requiringGrad()
        let b = rand([4], seed: 3).requiringGrad()
        let fused = try XCTUnwrap(Tensor.lookupProjection(table: table, indices: ids, kernel: w, bias: b))
        let composed = try table.gather(indices: ids).matmulLastAxis(w, bias: b)
        XCTAssertEqual(fused.shape, [2, 8, 4])
        assertClose(fused.scalars, composed.scalars, tol: 1e-6)
        let weights = rand([2, 8, 4], seed: 4)
        let gf = try gradients(of: (fused * weights).sum(), wrt: [table, w, b])
        let gc = try gradients(of: (composed * weights).sum(), wrt: [table, w, b])
        for (f, c) in zip(gf, gc) {
            XCTAssertEqual(f.shape, c.shape)
            assertClose(f.scalars, c.scalars, tol: 1e-5)
        }
        // Rows of ids never looked up (2 and 4) get exactly zero.
        XCTAssertEqual(try gf[0].index(2).scalars, [0, 0, 0, 0, 0])
        XCTAssertEqual(try gf[0].index(4).scalars, [0, 0, 0, 0, 0])
        // One value by hand: position (1, 4) is id 5, its only occurrence.
        let row5 = try table.index(5).scalars
        let wm = w.scalars
        let bv = b.scalars
        let expected = (0..<4).map { j in bv[j] + (0..<5).reduce(Float(0)) { $0 + row5[$1] * wm[$1 * 4 + j] } }
        assertClose(try fused.index(1).index(4).scalars, expected, tol: 1e-6)
    }

    func testFiniteDifferences() throws {
        let table = rand([7, 5], seed: 5)
        let w = rand([5, 4], seed: 6)
        let b = rand([4], seed: 7)
        assertGradients([table, w, b]) { v in
            try XCTUnwrap(Tensor.lookupProjection(table: v[0], indices: self.ids, kernel: v[1], bias: v[2])).tanh()
        }
        assertGradients([table, w]) { v in  // no bias
            try XCTUnwrap(Tensor.lookupProjection(table: v[0], indices: self.ids, kernel: v[1], bias: nil)).tanh()
        }
    }

    /// A vocabulary over 4× the positions finds its distinct ids with a dictionary: same results.
    func testLargeVocabulary() throws {
        let table = rand([200, 5], seed: 1).requiringGrad()
        let w = rand([5, 4], seed: 2).requiringGrad()
        let big = ids.mapElements { $0 * 30 + 7 }  // ids up to 187 of 200, 16 positions
        let fused = try XCTUnwrap(Tensor.lookupProjection(table: table, indices: big, kernel: w, bias: nil))
        let composed = try table.gather(indices: big).matmulLastAxis(w)
        assertClose(fused.scalars, composed.scalars, tol: 1e-6)
        let gf = try gradients(of: fused.sum(), wrt: [table, w])
        let gc = try gradients(of: composed.sum(), wrt: [table, w])
        for (f, c) in zip(gf, gc) { assertClose(f.scalars, c.scalars, tol: 1e-5) }
    }

    /// A frozen table gets no gradient; the kernel still does, with the same values.
    func testFrozenTable() throws {
        let table = rand([7, 5], seed: 1)
        let w = rand([5, 4], seed: 2).requiringGrad()
        let y = try XCTUnwrap(Tensor.lookupProjection(table: table, indices: ids, kernel: w, bias: nil))
        let g = try gradients(of: y.sum(), wrt: [w])[0]
        let ref = try gradients(of: table.gather(indices: ids).matmulLastAxis(w).sum(), wrt: [w])[0]
        assertClose(g.scalars, ref.scalars, tol: 1e-5)
    }

    /// Mostly distinct ids: nil, so the caller projects per position.
    func testDeclinesWhenIdsAreMostlyDistinct() throws {
        let distinct = try Tensor(shape: [1, 6], scalars: [0, 1, 2, 3, 4, 4])
        XCTAssertNil(
            try Tensor.lookupProjection(
                table: rand([7, 5], seed: 1), indices: distinct, kernel: rand([5, 4], seed: 2), bias: nil))
    }

    func testBadIdAndShapesAreNamed() {
        let table = rand([7, 5], seed: 1)
        let w = rand([5, 4], seed: 2)
        XCTAssertThrowsError(
            try Tensor.lookupProjection(table: table, indices: Tensor([1, 7, 1]), kernel: w, bias: nil)
        ) { e in
            XCTAssertTrue("\(e)".contains("index 7.0 at flat position 1"), "\(e)")
        }
        XCTAssertThrowsError(
            try Tensor.lookupProjection(table: table, indices: ids, kernel: rand([4, 4], seed: 3), bias: nil)
        ) { e in
            XCTAssertTrue("\(e)".contains("lookupProjection"), "\(e)")
        }
        XCTAssertThrowsError(
            try Tensor.lookupProjection(table: table, indices: ids, kernel: w, bias: rand([3], seed: 3)))
    }

    /// The per-id gradient sums are split by columns over threads; the bits must not change.
    func testThreadCountDoesNotChangeGradients() throws {
        let old = BLAS.threadCount
        defer { BLAS.threadCount = old }
        var g = SeededGenerator(seed: 3)
        let many = try Tensor(
            shape: [32, 100], scalars: (0..<3200).map { _ in Float(Int.random(in: 0..<300, using: &g)) })
        let table = rand([300, 16], seed: 1).requiringGrad()
        let w = rand([16, 64], seed: 2).requiringGrad()
        let b = rand([64], seed: 3).requiringGrad()
        let weights = rand([32, 100, 64], seed: 4)
        let results = try [1, 2].map { threads -> [[Float]] in
            BLAS.threadCount = threads
            let y = try XCTUnwrap(Tensor.lookupProjection(table: table, indices: many, kernel: w, bias: b))
            return try [y.scalars] + gradients(of: (y * weights).sum(), wrt: [table, w, b]).map(\.scalars)
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// Large enough that `∂table` and `∂W` run at the same time (`Tensor.concurrentGradients`).
    /// What determinism promises (docs/guarantees.md): at a given thread count the concurrent and
    /// in-turn backward, and a second run, give the same bits. Across thread counts the products
    /// are split differently, and OpenBLAS's kernels round a row differently depending on how
    /// rows are blocked (on Zen/Haswell kernels, unless a block starts at a multiple of 12), so
    /// there the results agree to rounding only.
    func testConcurrentBackwardProductsGiveTheSameBits() throws {
        let (oldThreads, oldConcurrent) = (BLAS.threadCount, Tensor.concurrentGradients)
        defer {
            BLAS.threadCount = oldThreads
            Tensor.concurrentGradients = oldConcurrent
        }
        var g = SeededGenerator(seed: 5)
        let ids = try Tensor(
            shape: [32, 100], scalars: (0..<3200).map { _ in Float(Int.random(in: 0..<600, using: &g)) })
        let table = rand([600, 128], seed: 1).requiringGrad()
        let w = rand([128, 64], seed: 2).requiringGrad()
        let b = rand([64], seed: 3).requiringGrad()
        let weights = rand([32, 100, 64], seed: 4)
        func run(threads: Int, concurrent: Bool) throws -> [[Float]] {
            (BLAS.threadCount, Tensor.concurrentGradients) = (threads, concurrent)
            let p = try XCTUnwrap(Tensor.projectedLookup(table: table, indices: ids, kernel: w, bias: b))
            XCTAssertGreaterThanOrEqual(
                p.projected.shape[0] * 128 * 64, BLAS.parallelWork, "too small to take the concurrent path")
            let y = try p.expanded()
            let grads = try gradients(of: (y * weights).sum(), wrt: [table, w, b])
            XCTAssertFalse(
                grads.contains(where: \.requiresGrad), "a gradient computed on a pool thread was recorded on the tape")
            return [y.scalars] + grads.map(\.scalars)
        }
        let single = try run(threads: 1, concurrent: false)
        XCTAssertNotEqual(single[2], [Float](repeating: 0, count: 128 * 64))
        for threads in [1, 2, 3] {
            let inTurn = try run(threads: threads, concurrent: false)
            XCTAssertEqual(
                try run(threads: threads, concurrent: true), inTurn, "\(threads) threads: concurrent ≠ in turn")
            XCTAssertEqual(
                try run(threads: threads, concurrent: true), inTurn, "\(threads) threads: a second run differs")
            for (a, b) in zip(inTurn, single) { assertClose(a, b, tol: 1e-3) }
        }
    }

    /// One-hot rows read back as ids (an all-zero row as `depth`); any other row declines.
    func testOneHotIDs() throws {
        var x = try Tensor.oneHot(Tensor(shape: [2, 3], scalars: [2, 0, 4, 1, 1, 3]), depth: 5)
        XCTAssertEqual(x.oneHotIDs()?.shape, [2, 3])
        XCTAssertEqual(x.oneHotIDs()?.scalars, [2, 0, 4, 1, 1, 3])
        x.withUnsafeMutableBufferPointer { p in for j in 0..<5 { p[5 + j] = 0 } }  // row 1: padding
        XCTAssertEqual(x.oneHotIDs()?.scalars, [2, 5, 4, 1, 1, 3])
        for (flat, value) in [(1, Float(1)), (0, 0.5), (2, 2), (0, .nan), (3, -1)] {  // a second 1, not 1, …
            var y = x
            y.withUnsafeMutableBufferPointer { $0[flat] = value }
            XCTAssertNil(y.oneHotIDs(), "element \(flat) set to \(value)")
        }
        XCTAssertNil(rand([4, 3], seed: 1).oneHotIDs())
        XCTAssertNil(Tensor([1, 0, 0]).oneHotIDs(), "a vector is not rows")
        XCTAssertNil(Tensor(shape: [0, 3], repeating: 0).oneHotIDs(), "no rows")
        // The table: `table[id]` is the row itself.
        XCTAssertEqual(Tensor.oneHotTable(depth: 2).shape, [3, 2])
        XCTAssertEqual(Tensor.oneHotTable(depth: 2).scalars, [1, 0, 0, 1, 0, 0])
    }

    /// One-hot rows through `oneHotTable` give `x · W + b` and its gradients for `W` and `b`.
    func testOneHotRowsProjectLikeTheProduct() throws {
        var ids = self.ids.scalars
        ids[5] = 7  // a padding row
        var x = try Tensor.oneHot(Tensor(shape: [2, 8], scalars: ids.map { min($0, 6) }), depth: 7)
        x.withUnsafeMutableBufferPointer { p in for j in 0..<7 { p[5 * 7 + j] = 0 } }
        let w = rand([7, 4], seed: 2).requiringGrad()
        let b = rand([4], seed: 3).requiringGrad()
        let found = try XCTUnwrap(x.oneHotIDs())
        XCTAssertEqual(found.scalars, ids)
        let fused = try XCTUnwrap(
            Tensor.lookupProjection(table: Tensor.oneHotTable(depth: 7), indices: found, kernel: w, bias: b))
        let plain = try x.matmulLastAxis(w, bias: b)
        XCTAssertEqual(fused.scalars, plain.scalars, "the forward adds the same single product to the bias")
        let weights = rand([2, 8, 4], seed: 4)
        let gf = try gradients(of: (fused * weights).sum(), wrt: [w, b])
        let gp = try gradients(of: (plain * weights).sum(), wrt: [w, b])
        for (f, p) in zip(gf, gp) { assertClose(f.scalars, p.scalars, tol: 1e-5) }
    }
}
