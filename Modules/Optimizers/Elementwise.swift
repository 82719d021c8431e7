import Tensors

/// Splits elementwise optimizer work over the `ComputePool` when a parameter is large enough
/// to be worth a second thread (an embedding matrix); each part updates its own elements, so
/// the result does not depend on the thread count.
enum Elementwise {
    /// Parameters with fewer elements are updated on the calling thread.
    static let parallelCount = 1 << 15

    static func split(count: Int, _ body: (Range<Int>) -> Void) {
        let pool = ComputePool.shared
        let parts = count < parallelCount ? 1 : min(pool.threadCount, count / (parallelCount / 2))
        pool.run(parts: parts) { p in body(ComputePool.range(part: p, of: parts, total: count, block: 16)) }
    }
}
