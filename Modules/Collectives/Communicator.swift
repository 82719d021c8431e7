import Foundation

/// The collective operations data-parallel training needs, over the processes (ranks) of one job.
///
/// Training sums gradients through this protocol and never names MPI: the default is
/// `SingleProcess` (every operation returns its input), and `Collectives.world()` gives the MPI
/// communicator when the program was built with MPI and started by `mpirun` or `srun`.
///
/// Every rank must call the same operations in the same order with the same counts — a collective
/// waits for all ranks. A rank that cannot go on calls `abort`, which ends the whole job.
///
/// ```swift
/// let world = try Collectives.world()
/// var g: [Float] = [Float(world.rank + 1)]
/// try g.withUnsafeMutableBufferPointer { try world.sum($0) }   // 1 + 2 + … + size on every rank
/// world.finish()
/// ```
public protocol Communicator: AnyObject {
    /// This process's number, `0 ..< size`; rank 0 prints and writes files.
    var rank: Int { get }
    /// How many processes take part.
    var size: Int { get }
    /// How many of them run on this machine (to share its cores).
    var localSize: Int { get }
    /// Replaces `values` on every rank by their elementwise sum over all ranks.
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` on every rank by their elementwise sum over all ranks (counts, metric sums).
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `values` on every rank by their elementwise maximum over all ranks.
    func maximum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `values` on every rank but `root` by root's.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws
    /// Waits until every rank has called it.
    func barrier() throws
    /// Ends every process of the job with `code` (after this rank's message was printed).
    func abort(code: Int32) -> Never
    /// Ends the job's communication; call once on every rank before a successful exit.
    func finish()
}

extension Communicator {
    /// Whether this rank is the one that prints progress and writes checkpoints and bundles.
    public var isPrimary: Bool { rank == 0 }

    /// The part `[start, end)` of `count` items this rank takes: contiguous and as even as can be
    /// (the first `count % size` ranks take one more).
    public func shard(of count: Int) -> Range<Int> {
        let base = count / size
        let extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Sums a few numbers over all ranks.
    public func sum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try sum($0) }
        return v
    }

    /// The elementwise maximum of a few numbers over all ranks.
    public func maximum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try maximum($0) }
        return v
    }
}

/// Collective failures: an MPI call that returned an error, or a job set-up this build cannot serve.
public enum CollectivesError: Error, CustomStringConvertible, Equatable {
    case failed(String)
    public var description: String {
        switch self {
        case .failed(let m): return m
        }
    }
}

/// One process, no communication: every collective leaves its input as it is.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localSize: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func maximum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {}
    public func barrier() throws {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finish() {}
}
