import Tensors
import XCTest

final class ComputePoolTests: XCTestCase {
    func testRangesCoverTotalContiguouslyAndNearlyEqually() {
        for total in [0, 1, 7, 32, 33] {
            for parts in 1...5 {
                let ranges = (0..<parts).map { ComputePool.range(part: $0, of: parts, total: total) }
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, total)
                for (r, next) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(r.upperBound, next.lowerBound) }
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "total \(total), parts \(parts)")
            }
        }
    }

    func testEveryPartRunsOnceAndOnItsOwnThread() {
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { pool.threadCount = old }
        pool.threadCount = 3
        for _ in 0..<200 {  // many jobs back to back: no lost or repeated part
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
            let threads = UnsafeMutableBufferPointer<pthread_t>.allocate(capacity: 3)
            hits.initialize(repeating: 0)
            pool.run(parts: 3) { p in
                hits[p] += 1
                threads[p] = pthread_self()
            }
            XCTAssertEqual(Array(hits), [1, 1, 1])
            XCTAssertEqual(Set(threads.map { UInt($0) }).count, 3)
            hits.deallocate()
            threads.deallocate()
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
            pool.run(parts: 2) { inner in cells[outer * 2 + inner] += 1 }  // pool busy → serial, no deadlock
        }
        XCTAssertEqual(Array(cells), [1, 1, 1, 1])
    }

    func testConcurrentlyRunsEveryJobOnceAndRethrowsTheFirstErrorInJobOrder() {
        struct Failure: Error, Equatable { let job: Int }
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { pool.threadCount = old }
        for threads in [1, 2, 3] {
            pool.threadCount = threads
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 5)
            hits.initialize(repeating: 0)
            defer { hits.deallocate() }
            let jobs: [() throws -> Void] = (0..<5).map { i in
                {
                    hits[i] += 1
                    if i == 1 || i == 3 { throw Failure(job: i) }
                }
            }
            XCTAssertThrowsError(try pool.concurrently(jobs)) { XCTAssertEqual($0 as? Failure, Failure(job: 1)) }
            XCTAssertEqual(Array(hits), [1, 1, 1, 1, 1], "threads \(threads)")
        }
    }

    /// Grad mode is task-local, which the pool's threads do not inherit: `concurrently` passes it on.
    func testConcurrentlyPassesTheCallersGradModeToItsThreads() throws {
        let pool = ComputePool.shared
        let old = pool.threadCount
        defer { pool.threadCount = old }
        pool.threadCount = 2
        let x = Tensor([1, 2, 3]).requiringGrad()
        var seen = [Bool](repeating: true, count: 2)
        var recorded = [true, true]
        try withNoGrad {
            try pool.concurrently([
                {
                    seen[0] = GradMode.isEnabled
                    recorded[0] = try (x * x).requiresGrad
                },
                {
                    seen[1] = GradMode.isEnabled
                    recorded[1] = try (x * x).requiresGrad
                },
            ])
        }
        XCTAssertEqual(seen, [false, false])
        XCTAssertEqual(recorded, [false, false])
        try pool.concurrently([{ seen[0] = GradMode.isEnabled }, { seen[1] = GradMode.isEnabled }])
        XCTAssertEqual(seen, [true, true])
    }
}
