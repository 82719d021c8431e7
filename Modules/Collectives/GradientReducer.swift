import Foundation
import Tensors

/// Sums gradient tensors over the ranks of a job through one flat buffer, reduced in buckets.
///
/// The tensors are copied one after another into a flat buffer of `Float`s (followed by `extra`
/// numbers that ride along, such as the batch's loss and weight), the buffer is summed over the
/// ranks `bucketElements` at a time (`MPI_Allreduce` per bucket: a few large messages instead of
/// one per parameter, and no message larger than a bucket), and the sums are copied back into
/// tensors of the same shapes. With `SingleProcess` nothing is copied.
///
/// ```swift
/// let reducer = GradientReducer(communicator: try Collectives.world())
/// var extra: [Float] = [loss * weight, weight]
/// let summed = try reducer.sum(gradients, extra: &extra)     // same shapes, summed over ranks
/// ```
public final class GradientReducer {
    public let communicator: any Communicator
    /// Floats per `MPI_Allreduce` call: 1 Mi (4 MiB), large enough for full bandwidth and small
    /// enough to bound each message.
    public var bucketElements: Int
    /// Seconds spent in the collective calls since the last `resetTiming` (copies excluded).
    public private(set) var reduceSeconds = 0.0
    /// Collective calls (one per bucket) since the last `resetTiming`.
    public private(set) var reduceCalls = 0
    private var flat: [Float] = []

    public init(communicator: any Communicator, bucketElements: Int = 1 << 20) {
        self.communicator = communicator
        self.bucketElements = max(1, bucketElements)
    }

    public func resetTiming() {
        reduceSeconds = 0
        reduceCalls = 0
    }

    /// The elementwise sums of `tensors` over all ranks (every rank passes the same shapes, in the
    /// same order), and `extra` replaced by its sums.
    public func sum(_ tensors: [Tensor], extra: inout [Float]) throws -> [Tensor] {
        guard communicator.size > 1 else { return tensors }
        let total = tensors.reduce(0) { $0 + $1.count } + extra.count
        if flat.count != total { flat = [Float](repeating: 0, count: total) }
        var at = 0
        flat.withUnsafeMutableBufferPointer { f in
            for t in tensors {
                t.withUnsafeBufferPointer { src in
                    if let b = src.baseAddress, src.count > 0 {
                        (f.baseAddress! + at).update(from: b, count: src.count)
                    }
                }
                at += t.count
            }
            for (i, v) in extra.enumerated() { f[at + i] = v }
        }
        let t0 = Date()
        try flat.withUnsafeMutableBufferPointer { f in
            var start = 0
            while start < f.count {
                let n = min(bucketElements, f.count - start)
                try communicator.sum(UnsafeMutableBufferPointer(rebasing: f[start..<(start + n)]))
                reduceCalls += 1
                start += n
            }
        }
        reduceSeconds += Date().timeIntervalSince(t0)
        at = 0
        var out: [Tensor] = []
        out.reserveCapacity(tensors.count)
        flat.withUnsafeBufferPointer { f in
            for t in tensors {
                let from = at
                out.append(
                    Tensor(
                        shape: t.shape,
                        unsafeUninitialized: { p, n in if n > 0 { p.update(from: f.baseAddress! + from, count: n) } }))
                at += t.count
            }
            for i in extra.indices { extra[i] = f[at + i] }
        }
        return out
    }

    /// Makes every rank's tensors equal to rank 0's (the starting weights of a run).
    public func broadcastFromPrimary(_ tensors: [Tensor]) throws -> [Tensor] {
        guard communicator.size > 1 else { return tensors }
        return try tensors.map { t in
            var copy = t.detached()
            try copy.withUnsafeMutableBufferPointer { try communicator.broadcast($0, from: 0) }
            return copy
        }
    }
}
