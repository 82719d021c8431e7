import Collectives
import Tensors
import XCTest

/// A stand-in for `k` ranks that all hold the same values: a sum multiplies by `k`. It records
/// the length of every collective call, so bucketing can be checked without MPI.
final class IdenticalRanks: Communicator {
    let k: Int
    var rank = 0
    var calls: [Int] = []
    init(_ k: Int, rank: Int = 0) {
        self.k = k
        self.rank = rank
    }
    var size: Int { k }
    var localSize: Int { k }
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        calls.append(values.count)
        for i in values.indices { values[i] *= Float(k) }
    }
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        for i in values.indices { values[i] *= Double(k) }
    }
    func maximum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {}
    func barrier() throws {}
    func abort(code: Int32) -> Never { fatalError("abort \(code)") }
    func finish() {}
}

final class CollectivesTests: XCTestCase {
    func testShardsCoverTheBatchContiguouslyAndEvenly() {
        for size in 1...5 {
            for count in [0, 1, 4, 7, 15, 32] {
                let parts = (0..<size).map { IdenticalRanks(size, rank: $0).shard(of: count) }
                XCTAssertEqual(parts.first?.lowerBound, 0)
                XCTAssertEqual(parts.last?.upperBound, count)
                for (a, b) in zip(parts, parts.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let sizes = parts.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(count) over \(size)")
            }
        }
        XCTAssertEqual(IdenticalRanks(2, rank: 0).shard(of: 15), 0..<8)
        XCTAssertEqual(IdenticalRanks(2, rank: 1).shard(of: 15), 8..<15)
    }

    func testTheReducerSumsThroughBucketsAndKeepsShapes() throws {
        let ranks = IdenticalRanks(3)
        let reducer = GradientReducer(communicator: ranks, bucketElements: 4)
        let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor([0.5, -1])
        var extra: [Float] = [7, 1]
        let out = try reducer.sum([a, b], extra: &extra)
        XCTAssertEqual(out.map(\.shape), [[2, 3], [2]])
        XCTAssertEqual(out[0].scalars, [3, 6, 9, 12, 15, 18])
        XCTAssertEqual(out[1].scalars, [1.5, -3])
        XCTAssertEqual(extra, [21, 3])
        // 6 + 2 + 2 = 10 floats in buckets of at most 4.
        XCTAssertEqual(ranks.calls, [4, 4, 2])
        XCTAssertEqual(reducer.reduceCalls, 3)
    }

    /// Σ w·t / max(Σ w, 1): ranks holding the same tensor with the same weight give that tensor;
    /// weight 0 everywhere (no loss term) gives zeros, not NaN.
    func testTheWeightedMeanDividesBySummedWeights() throws {
        let reducer = GradientReducer(communicator: IdenticalRanks(3), bucketElements: 2)
        var extra: [Float] = [1.5]
        let (mean, total) = try reducer.weightedMean([Tensor([2, -4, 6])], weight: 2, extra: &extra)
        XCTAssertEqual(mean[0].scalars, [2, -4, 6])
        XCTAssertEqual(total, 6)
        XCTAssertEqual(extra, [4.5])
        var none: [Float] = []
        let empty = try reducer.weightedMean([Tensor([2, 3])], weight: 0, extra: &none)
        XCTAssertEqual(empty.mean[0].scalars, [0, 0])
        XCTAssertEqual(empty.totalWeight, 0)
    }

    func testOneProcessLeavesEverythingAsItIs() throws {
        let one = SingleProcess()
        let reducer = GradientReducer(communicator: one)
        let t = Tensor([1, 2, 3])
        var extra: [Float] = [4]
        XCTAssertEqual(try reducer.sum([t], extra: &extra)[0].scalars, [1, 2, 3])
        XCTAssertEqual(extra, [4])
        XCTAssertEqual(reducer.reduceCalls, 0)
        XCTAssertEqual(try one.sum([1, 2]), [1, 2])
        XCTAssertTrue(one.isPrimary)
        XCTAssertEqual(one.shard(of: 9), 0..<9)
    }

    func testTheLauncherIsReadFromItsVariables() {
        XCTAssertNil(Collectives.launchedSize(environment: [:]))
        XCTAssertEqual(Collectives.launchedSize(environment: ["OMPI_COMM_WORLD_SIZE": "4"])?.size, 4)
        XCTAssertEqual(Collectives.launchedSize(environment: ["PMI_SIZE": "2"])?.variable, "PMI_SIZE")
        // Slurm's task count alone is not a launcher (sbatch sets it for a plain script too).
        XCTAssertNil(Collectives.launchedSize(environment: ["SLURM_NTASKS": "8"]))
        XCTAssertEqual(Collectives.launchedSize(environment: ["SLURM_NTASKS": "8", "PMIX_RANK": "3"])?.size, 8)
    }
}
