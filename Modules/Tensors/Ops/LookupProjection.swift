import CKernels

/// Embedding lookup followed by an affine map, computed once per distinct token.
///
/// `table[indices] · W + b` equals `(table[u] · W + b)[inverse]`, where `u` lists the distinct ids
/// of the batch and `inverse` maps each position to its id's slot. A batch of `B·T` positions
/// usually holds far fewer distinct ids `U` (model (a)'s random ids: ~960 of 3,200; a character
/// model: at most its alphabet), so the products shrink by `U / (B·T)`:
///
/// - forward:  `P = table[u]·W + b`  `[U, n]`  (`projectedLookup`), then `out[r] = P[inverse[r]]`
///   (`ProjectedLookup.expanded()`, or a kernel that reads `P`'s rows in place — the recurrent loop);
/// - backward of the row pick (`gather`'s): `G[s] = Σ_{r: inverse[r] = s} g[r]`  `[U, n]`, the
///   gradient sums per distinct id;
/// - backward of `P`: `∂W = table[u]ᵀ·G`, `∂b = Σ_s G[s]`, `∂table[u[s]] = G[s]·Wᵀ` (other rows 0);
///   indices get none.
///
/// The forward is the same dot products as the gather-then-project form; the backward sums the
/// same terms in another order (rounding differs in the last bits).
extension Tensor {
    /// When `projectedLookup` dedups: at most this fraction of the positions are distinct ids.
    /// Above it, the gather of the whole batch and one big GEMM are about as cheap.
    public static let lookupDedupMaxFraction: Float = 0.5

    /// Runs the backward's two products (`∂table`, `∂W`) at the same time, one per core, rather
    /// than one after the other, each split over the cores (default on; same bits either way).
    /// Model (a): 1.016–1.028× in training (in-process A/B, six runs).
    nonisolated(unsafe) public static var concurrentGradients = true

    /// Lets recurrent layers fuse an `Embedding`, or one-hot input rows (`oneHotIDs`), into their
    /// input projection (default on); off, they project the vectors per position — for benchmarks
    /// and tests comparing the two.
    nonisolated(unsafe) public static var fuseLookupProjection = true

    /// `table[indices] · kernel (+ bias)`: `table [vocab, k]`, `indices [i…]` (integer ids stored as
    /// Float), `kernel [k, n]`, `bias [n]` → `[i…, n]`, projecting each distinct id once.
    ///
    /// Returns nil (computing nothing) when more than `lookupDedupMaxFraction` of the positions are
    /// distinct ids; the caller then projects the gathered rows itself.
    ///
    /// ```swift
    /// let xproj = try Tensor.lookupProjection(table: emb, indices: ids, kernel: w, bias: b)  // [batch, time, n]
    /// ```
    public static func lookupProjection(table: Tensor, indices: Tensor, kernel: Tensor, bias: Tensor?) throws -> Tensor?
    {
        try projectedLookup(table: table, indices: indices, kernel: kernel, bias: bias)?.expanded()
    }

    /// The distinct ids' projections `P = table[u]·kernel + bias` `[U, n]` and each position's row
    /// of `P`, for code that reads the rows in place instead of copying them out per position.
    /// Same arguments, checks and nil as `lookupProjection`.
    ///
    /// With a `cache` that can serve (no tape, a table small enough: `LookupProjectionCache`), `P`
    /// is the whole table's projection `[vocab, n]`, computed once while the weights stay the same,
    /// and each position's row is its id; then it is never nil.
    ///
    /// ```swift
    /// if let p = try Tensor.projectedLookup(table: emb, indices: ids, kernel: w, bias: b) {
    ///     let x = try p.expanded()            // [batch, time, n], or read p.projected[p.rowOfPosition[r]]
    /// }
    /// ```
    public static func projectedLookup(
        table: Tensor, indices: Tensor, kernel: Tensor, bias: Tensor?, cache: LookupProjectionCache? = nil
    ) throws -> ProjectedLookup? {
        guard table.rank == 2, kernel.rank == 2, kernel.shape[0] == table.shape[1] else {
            throw TensorError.shapeMismatch(
                op: "lookupProjection", lhs: table.shape, rhs: kernel.shape,
                detail: "do not multiply: the table's columns must equal the kernel's rows")
        }
        let (vocab, n) = (table.shape[0], kernel.shape[1])
        if let bias, bias.shape != [n] {
            throw TensorError.shapeMismatch(
                op: "lookupProjection", lhs: kernel.shape, rhs: bias.shape,
                detail: "do not fit: the bias must be [\(n)]")
        }
        if let cache, let whole = try cache.projection(table: table, kernel: kernel, bias: bias) {
            var rows = [Int](repeating: 0, count: indices.count)
            try indices.withUnsafeBufferPointer { ip in
                for (pos, v) in ip.enumerated() { rows[pos] = try checkedID(v, at: pos, vocab: vocab) }
            }
            return ProjectedLookup(projected: whole, rowOfPosition: rows, positions: indices.shape)
        }
        let (ids, inverse) = try distinctIDs(indices, vocab: vocab)
        guard Float(ids.count) <= lookupDedupMaxFraction * Float(indices.count) else { return nil }
        let distinct = ids.count  // U
        let picked = try table.rows(ids)  // [U, k]
        var projected = try withNoGrad { try picked.matmulLastAxis(kernel, bias: bias) }  // [U, n]
        let w = kernel.detached()
        let (needTable, needW, needB) = (table.requiresGrad, kernel.requiresGrad, bias?.requiresGrad ?? false)
        let inputs = [table, kernel] + (bias.map { [$0] } ?? [])
        record("lookupProjection", output: &projected, inputs: inputs) { sums in  // G [U, n]
            var dw: Tensor?
            var db: Tensor?
            var dtable: Tensor?
            try ComputePool.shared.concurrently(
                [
                    {
                        dtable =
                            needTable
                            ? scatteredRows(try matmul(sums, w, transposeB: true), slots: ids, rows: vocab) : nil
                    },  // from [U, k]
                    { dw = needW ? try matmul(picked, sums, transposeA: true) : nil },
                    { db = needB ? try matmul(Tensor(shape: [1, distinct], repeating: 1), sums).reshaped([n]) : nil },
                ],
                parallel: concurrentGradients && needTable && needW
                    && distinct * picked.shape[1] * n >= BLAS.parallelWork)
            return [dtable, dw] + (bias == nil ? [] : [db])
        }
        return ProjectedLookup(projected: projected, rowOfPosition: inverse, positions: indices.shape)
    }

    /// Reads `[rows…, depth]` as one-hot rows: the id of each row's single 1 (`[rows…]`, ids stored
    /// as Float), `depth` for an all-zero row (padding); nil at the first row that is neither, so a
    /// dense input costs the scan of about one row. With `oneHotTable(depth:)` as the table,
    /// `projectedLookup` then gives `x · W + b` without multiplying the zeros.
    ///
    /// ```swift
    /// let x = try Tensor.oneHot(Tensor([2, 0, 1]), depth: 3)
    /// x.oneHotIDs()?.scalars          // [2, 0, 1]
    /// ```
    public func oneHotIDs() -> Tensor? {
        guard rank >= 2, let depth = shape.last, depth > 0, count > 0 else { return nil }
        let rows = count / depth
        var read = 0
        let ids = Tensor(shape: Array(shape.dropLast())) { dst, _ in
            read = withUnsafeBufferPointer { unroll_onehot_ids(rows, depth, $0.baseAddress!, dst) }
        }
        return read == rows ? ids : nil
    }

    /// The table one-hot ids (`oneHotIDs`) look up: the identity `[depth, depth]` over one more row
    /// of zeros (id `depth`, an all-zero input row). `table[id]` is the input row itself.
    public static func oneHotTable(depth: Int) -> Tensor {
        Tensor(shape: [depth + 1, depth]) { dst, n in
            dst.initialize(repeating: 0, count: n)
            for i in 0..<depth { dst[i * depth + i] = 1 }
        }
    }

    /// The distinct ids of `indices` in order of first appearance (deterministic for given ids) and
    /// each position's slot among them: a table over the vocabulary, or a dictionary when the
    /// vocabulary dwarfs the positions (GloVe).
    static func distinctIDs(_ indices: Tensor, vocab: Int) throws -> (ids: [Int], inverse: [Int]) {
        let rows = indices.count
        var ids: [Int] = []
        var inverse = [Int](repeating: 0, count: rows)
        var slotOfID = [Int32](repeating: -1, count: vocab <= 4 * rows ? vocab : 0)
        var slotDictionary: [Int: Int] = [:]
        if slotOfID.isEmpty { slotDictionary.reserveCapacity(rows) }
        try indices.withUnsafeBufferPointer { ip in
            for (pos, v) in ip.enumerated() {
                let id = try checkedID(v, at: pos, vocab: vocab)
                if !slotOfID.isEmpty {
                    if slotOfID[id] < 0 {
                        slotOfID[id] = Int32(ids.count)
                        ids.append(id)
                    }
                    inverse[pos] = Int(slotOfID[id])
                } else {
                    let slot = slotDictionary[id, default: ids.count]
                    if slot == ids.count {
                        slotDictionary[id] = slot
                        ids.append(id)
                    }
                    inverse[pos] = slot
                }
            }
        }
        return (ids, inverse)
    }

    /// An index read as an id of `0..<vocab`; an error naming the flat position otherwise.
    private static func checkedID(_ v: Float, at pos: Int, vocab: Int) throws -> Int {
        guard v.rounded() == v, v >= 0, v < Float(vocab) else {
            throw TensorError.invalidArgument(
                op: "lookupProjection", message: "index \(v) at flat position \(pos) is not an integer in 0..<\(vocab)")
        }
        return Int(v)
    }
}

/// An embedding lookup projected once per distinct id (`Tensor.projectedLookup`): position `r`'s
/// projected vector is row `rowOfPosition[r]` of `projected`.
public struct ProjectedLookup {
    /// `table[u]·kernel + bias` for the distinct ids `u`, `[U, n]`, on the tape.
    public let projected: Tensor
    /// Each position's row of `projected` (positions in the ids' row-major order).
    public let rowOfPosition: [Int]
    /// The ids' shape, e.g. `[batch, time]`.
    public let positions: [Int]

    /// `projected[rowOfPosition]` as `[positions…, n]`; its backward sums the gradient rows per
    /// distinct id (`gather`'s scatter-add).
    public func expanded() throws -> Tensor {
        try projected.gather(indices: Tensor(rowOfPosition.map(Float.init)), axis: 0)
            .reshaped(positions + [projected.shape[1]])
    }
}
