import XCTest

@testable import Tensors

/// `LookupProjectionCache`: the whole table's projection, kept at inference while the weights stay.
final class LookupProjectionCacheTests: XCTestCase {
    let ids = try! Tensor(shape: [2, 4], scalars: [3, 1, 3, 0, 6, 1, 1, 5])

    /// `table·W + b` computed by hand from the scalars, `[vocab, n]`.
    func byHand(_ table: Tensor, _ w: Tensor, _ b: Tensor) -> [Float] {
        let (v, k, n) = (table.shape[0], table.shape[1], w.shape[1])
        let (t, wm, bv) = (table.scalars, w.scalars, b.scalars)
        return (0..<v).flatMap { r in
            (0..<n).map { j in bv[j] + (0..<k).reduce(0) { $0 + t[r * k + $1] * wm[$1 * n + j] } }
        }
    }

    func testServesTheWholeTableOnceUnderNoGrad() throws {
        let (table, w, b) = (rand([7, 5], seed: 1), rand([5, 4], seed: 2), rand([4], seed: 3))
        let cache = LookupProjectionCache()
        let p = try withNoGrad {
            try XCTUnwrap(Tensor.projectedLookup(table: table, indices: ids, kernel: w, bias: b, cache: cache))
        }
        XCTAssertEqual(p.projected.shape, [7, 4])
        XCTAssertEqual(p.rowOfPosition, [3, 1, 3, 0, 6, 1, 1, 5])
        assertClose(p.projected.scalars, byHand(table, w, b), tol: 1e-5)
        assertClose(
            try p.expanded().scalars, try table.gather(indices: ids).matmulLastAxis(w, bias: b).scalars, tol: 1e-6)
        let again = try withNoGrad { try XCTUnwrap(cache.projection(table: table, kernel: w, bias: b)) }
        XCTAssertTrue(again.isSameTensor(as: p.projected), "the second call must read the kept projection")
        // 8 positions over 7 ids is more than half distinct: without a cache the op declines.
        XCTAssertNil(try withNoGrad { try Tensor.projectedLookup(table: table, indices: ids, kernel: w, bias: b) })
    }

    func testAWriteInPlaceOrANewTensorIsSeen() throws {
        var (table, w, b) = (rand([7, 5], seed: 1), rand([5, 4], seed: 2), rand([4], seed: 3))
        let cache = LookupProjectionCache()
        let project = { (t: Tensor, w: Tensor, b: Tensor) in
            try withNoGrad { try XCTUnwrap(cache.projection(table: t, kernel: w, bias: b)) }
        }
        _ = try project(table, w, b)
        w.withUnsafeMutableBufferPointer { $0[3] += 1 }  // an optimizer step: same storage, in place
        assertClose(try project(table, w, b).scalars, byHand(table, w, b), tol: 1e-5)
        let shared = table  // a copy shares the storage, so the write below copies first
        table.withUnsafeMutableBufferPointer { $0[0] = 4 }
        assertClose(try project(table, w, b).scalars, byHand(table, w, b), tol: 1e-5)
        XCTAssertNotEqual(shared.scalars[0], 4)
        b = rand([4], seed: 9)  // a new tensor
        let p = try project(table, w, b)
        assertClose(p.scalars, byHand(table, w, b), tol: 1e-5)
        XCTAssertTrue(try project(table, w, b).isSameTensor(as: p))
        cache.clear()
        XCTAssertFalse(try project(table, w, b).isSameTensor(as: p))
    }

    func testNotUsedWhileTheTapeRecordsOrForALargeTable() throws {
        let (table, w, b) = (rand([7, 5], seed: 1).requiringGrad(), rand([5, 4], seed: 2), rand([4], seed: 3))
        let cache = LookupProjectionCache()
        XCTAssertNil(try cache.projection(table: table, kernel: w, bias: b))
        XCTAssertNotNil(try withNoGrad { try cache.projection(table: table, kernel: w, bias: b) })
        XCTAssertNotNil(try cache.projection(table: table.detached(), kernel: w, bias: b))  // nothing to record
        let wide = Tensor.zeros([LookupProjectionCache.maxElements / 4 + 1, 1])
        XCTAssertNil(try withNoGrad { try cache.projection(table: wide, kernel: Tensor.zeros([1, 4]), bias: nil) })
    }

    func testABadIDIsStillAnError() throws {
        let (table, w) = (rand([7, 5], seed: 1), rand([5, 4], seed: 2))
        let bad = try Tensor(shape: [1, 3], scalars: [1, 7, 2])
        XCTAssertThrowsError(
            try withNoGrad {
                try Tensor.projectedLookup(
                    table: table, indices: bad, kernel: w, bias: nil, cache: LookupProjectionCache())
            }
        ) { XCTAssertTrue("\($0)".contains("index 7.0 at flat position 1 is not an integer in 0..<7"), "\($0)") }
    }
}
