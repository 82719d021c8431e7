import XCTest
import Tensors

final class ComputePoolTests: XCTestCase {
    func testRangesCoverTotalContiguouslyAndNearlyEqually() {
        for total in [0, 1, 7, 32, 33] { for parts in 1...5 {
            let ranges = (0..<parts).map { ComputePool.range(part: $0, of: parts, total: total) }
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, total)
            for (r, next) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(r.upperBound, next.lowerBound) }
            let sizes = ranges.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "total \(total), parts \(parts)")
        } }
    }

    func testEveryPartRunsOnceAndOnItsOwnThread() {
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { pool.threadCount = old }
        pool.threadCount = 3
        for _ in 0..<200 {                                              // many jobs back to back: no lost or repeated part
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
            let threads = UnsafeMutableBufferPointer<pthread_t>.allocate(capacity: 3)
            hits.initialize(repeating: 0)
            pool.run(parts: 3) { p in hits[p] += 1; threads[p] = pthread_self() }
            XCTAssertEqual(Array(hits), [1, 1, 1])
            XCTAssertEqual(Set(threads.map { UInt($0) }).count, 3)
            hits.deallocate(); threads.deallocate()
        }
    }

    func testNestedRunExecutesInnerPartsOnTheCallingThread() {
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { pool.threadCount = old }
        pool.threadCount = 2
        let cells = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        cells.initialize(repeating: 0)
        defer { cells.deallocate() }
        pool.run(parts: 2) { outer in
            pool.run(parts: 2) { inner in cells[outer * 2 + inner] += 1 }   // pool busy → serial, no deadlock
        }
        XCTAssertEqual(Array(cells), [1, 1, 1, 1])
    }
}
