import Synchronization

/// The projection of a whole lookup table, `P = table · kernel + bias` `[vocab, n]`, kept between
/// inference calls while the weights stay the same.
///
/// An `Embedding` followed by a recurrent layer projects each distinct token of a batch (see
/// `Tensor.projectedLookup`). At inference the weights do not change between calls, so every
/// token's projection can be computed once and then only read: a batch of one sequence then
/// costs a row pick per step instead of a `[U, k]·[k, n]` product per call. `P[id]` is the same
/// dot products as `table[id] · kernel + bias`, computed in one product over the whole table.
///
/// The cache is current while `table`, `kernel` and `bias` are the same storages, views and
/// versions as when `P` was computed. Every in-place write (an optimizer step, loading weights
/// into a parameter) bumps its storage's version, and a new tensor is a new storage, so a stale
/// `P` is never read. The cache holds its inputs weakly: it never keeps a parameter alive or makes
/// an optimizer's in-place update copy.
///
/// It is used only when nothing is recorded for backward (`withNoGrad`, or inputs that need no
/// gradient) and `vocab · n ≤ maxElements`; otherwise `projection` returns nil and the caller
/// projects per call.
///
/// ```swift
/// let cache = LookupProjectionCache()
/// let p = try withNoGrad { try cache.projection(table: emb, kernel: w, bias: b) }  // [vocab, n], or nil
/// ```
public final class LookupProjectionCache: Sendable {
    /// The most elements (`vocab · n`) a cached projection may hold: 4 Mi floats, 16 MiB.
    public static let maxElements = 4 << 20

    private let entry = Mutex<Entry?>(nil)

    public init() {}

    /// `table · kernel + bias` `[vocab, n]` for the whole table, from the cache when it is current;
    /// nil while the tape records for any input or when the table is too large to keep.
    /// Shapes are checked by the caller (`Tensor.projectedLookup`).
    public func projection(table: Tensor, kernel: Tensor, bias: Tensor?) throws -> Tensor? {
        let inputs = [table, kernel] + (bias.map { [$0] } ?? [])
        guard !GradMode.isEnabled || !inputs.contains(where: \.requiresGrad),
            table.rank == 2, kernel.rank == 2, table.shape[0] * kernel.shape[1] <= Self.maxElements
        else { return nil }
        return try entry.withLock { entry in
            if let e = entry, e.sources.count == inputs.count, zip(e.sources, inputs).allSatisfy({ $0.matches($1) }) {
                return e.projected
            }
            let projected = try withNoGrad { try table.matmulLastAxis(kernel, bias: bias) }
            entry = Entry(sources: inputs.map(Source.init), projected: projected)
            return projected
        }
    }

    /// Drops the kept projection (its memory); the next call computes it again.
    public func clear() { entry.withLock { $0 = nil } }

    /// One input of the projection as it was when `projected` was computed.
    private struct Source {
        weak var storage: TensorStorage?
        let offset: Int
        let shape: [Int]
        let version: UInt64

        init(_ t: Tensor) {
            (storage, offset, shape, version) = (t.storage, t.offset, t.shape, t.storage.version)
        }

        /// Whether `t` is this input, unwritten since.
        func matches(_ t: Tensor) -> Bool {
            storage === t.storage && offset == t.offset && shape == t.shape && version == t.storage.version
        }
    }

    private struct Entry {
        let sources: [Source]
        let projected: Tensor
    }
}
