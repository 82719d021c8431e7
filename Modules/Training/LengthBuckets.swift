import Tensors

/// Batches of examples of about the same length (`bucket_by_length: true`), the way torchtext's
/// `BucketIterator` and tf.data's `bucket_by_sequence_length` make them.
///
/// A recurrent layer's per-step products take only the rows a step does not pad, gathered into
/// a compact block, and skip a step that pads every row. Batches of similar lengths need less
/// gathering and fewer steps.
///
/// Each epoch's shuffled order is cut into pools of `poolBatches` batches, each pool is sorted by
/// length (ties keep the shuffled order) and cut into batches, and the full batches are shuffled
/// (a short last batch stays last). Every example is still seen once per epoch; which examples
/// share a batch depends on the seed and the epoch, so the same seed, data and thread count give
/// the same weights.
///
/// ```swift
/// let lengths = LengthBuckets.lengths(of: x)      // x [examples, time]: token ids, 0 = padding
/// let order = LengthBuckets.order(shuffled, lengths: lengths, batchSize: 128, seed: 1, epoch: 3)
/// ```
public enum LengthBuckets {
    /// How many batches' worth of shuffled examples are sorted together.
    public static let poolBatches = 32

    /// Each example's length: the count of its non-zero inputs (for padded token ids, its tokens;
    /// for a seq2seq pair packed as source then target ids, the two lengths added).
    public static func lengths(of x: Tensor) -> [Int] {
        let n = x.shape.first ?? 0
        let width = n == 0 ? 0 : x.count / n
        return x.withUnsafeBufferPointer { p in
            (0..<n).map { i in (0..<width).reduce(0) { $0 + (p[i * width + $1] != 0 ? 1 : 0) } }
        }
    }

    /// `shuffled` regrouped into batches of similar `lengths` (indexed by example), in batch order.
    public static func order(_ shuffled: [Int], lengths: [Int], batchSize: Int, seed: UInt64, epoch: Int) -> [Int] {
        let pool = max(1, poolBatches * batchSize)
        var batches: [ArraySlice<Int>] = []
        for start in stride(from: 0, to: shuffled.count, by: pool) {
            let sorted = shuffled[start..<min(shuffled.count, start + pool)].enumerated()
                .sorted { (lengths[$0.element], $0.offset) < (lengths[$1.element], $1.offset) }.map(\.element)
            for b in stride(from: 0, to: sorted.count, by: batchSize) {
                batches.append(sorted[b..<min(sorted.count, b + batchSize)])
            }
        }
        let last = batches.last.map { $0.count < batchSize ? [$0] : [] } ?? []
        let full = Array(batches.dropLast(last.count))
        var g = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        return (g.permutation(full.count).map { full[$0] } + last).flatMap { $0 }
    }
}
