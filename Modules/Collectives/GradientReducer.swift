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
/// var extra: [Float] = [loss * weight]
/// let (mean, total) = try reducer.weightedMean(gradients, weight: weight, extra: &extra)  // the batch's mean
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
        return try reduce(tensors, weight: 1, extra: &extra) { _ in 1 }
    }

    /// The mean of `tensors` over all ranks weighted by each rank's `weight`,
    /// `Σ_r w_r·t_r / max(Σ_r w_r, 1)`, with the summed weight; `extra` is replaced by its plain sums.
    /// The weighting and the division happen while the tensors are copied into and out of the flat
    /// buffer, so they cost no pass of their own. (A weight is a count of loss terms: below 1 the
    /// sum is 0 or empty, and dividing by 1 keeps it so, as a loss over no term is 0.)
    public func weightedMean(_ tensors: [Tensor], weight: Float, extra: inout [Float]) throws -> (
        mean: [Tensor], totalWeight: Float
    ) {
        guard communicator.size > 1 else { return (tensors, weight) }
        var total: Float = 0
        var withWeight = extra + [weight]
        let mean = try reduce(tensors, weight: weight, extra: &withWeight) { sums in
            total = sums[sums.count - 1]
            return 1 / max(total, 1)
        }
        extra = Array(withWeight.dropLast())
        return (mean, total)
    }

    /// Copies `weight · tensors` and `extra` into the flat buffer, sums it over the ranks bucket by
    /// bucket, reads `extra` back, and copies the tensors out multiplied by `scale(extra sums)`.
    private func reduce(
        _ tensors: [Tensor], weight: Float, extra: inout [Float], scale: ([Float]) -> Float
    ) throws -> [Tensor] {
        let total = tensors.reduce(0) { $0 + $1.count } + extra.count
        if flat.count != total { flat = [Float](repeating: 0, count: total) }
        var at = 0
        flat.withUnsafeMutableBufferPointer { f in
            for t in tensors {
                t.withUnsafeBufferPointer { src in
                    let dst = f.baseAddress! + at
                    if weight == 1 {
                        if let b = src.baseAddress, src.count > 0 { dst.update(from: b, count: src.count) }
                    } else {
                        for i in 0..<src.count { dst[i] = src[i] * weight }
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
        for i in extra.indices { extra[i] = flat[at + i] }
        let k = scale(extra)
        at = 0
        var out: [Tensor] = []
        out.reserveCapacity(tensors.count)
        flat.withUnsafeBufferPointer { f in
            for t in tensors {
                let src = f.baseAddress! + at
                out.append(
                    Tensor(
                        shape: t.shape,
                        unsafeUninitialized: { p, n in
                            if k == 1 { p.update(from: src, count: n) } else { for i in 0..<n { p[i] = src[i] * k } }
                        }))
                at += t.count
            }
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
