import CKernels
import COpenBLAS

#if canImport(Glibc)
    import Glibc
#endif

/// Thin, allocation-free access to OpenBLAS.
///
/// Threads: OpenBLAS itself always runs single-threaded; Unroll splits work over its own
/// `ComputePool` (large GEMMs here by rows or columns, recurrent layers by batch rows).
/// `BLAS.threadCount` sets the pool's size; the default comes from `UNROLL_NUM_THREADS`, else
/// `OPENBLAS_NUM_THREADS`, else the number of cores — read once, at first use.
public enum BLAS {
    /// Number of threads Unroll's compute work is split over (the `ComputePool`'s size).
    public static var threadCount: Int {
        get {
            configureFromEnvironmentOnce()
            return ComputePool.shared.threadCount
        }
        set {
            configureFromEnvironmentOnce()
            ComputePool.shared.threadCount = newValue
        }
    }

    /// Products with at least this many multiply-adds (`m·n·k`, ~4 M: ≈ 50 µs on one core) are
    /// split over the pool's threads; below it, waking a sleeping worker costs about what the
    /// split saves (batch-1 inference's [100×128]·[128×256] projection ran slower split).
    public static let parallelWork = 1 << 22

    /// Lets `Tensor.batchedMatmul` share out entries below `parallelWork` among the threads (when
    /// they add up to a quarter of it) rather than run them one after another (default on; same
    /// bits either way). For benchmarks comparing the two.
    nonisolated(unsafe) public static var splitBatches = true

    nonisolated(unsafe) private static var configured = false

    /// The kernel family OpenBLAS uses (e.g. `SkylakeX`, `Haswell`, `Prescott`).
    public static var coreName: String {
        configureFromEnvironmentOnce()
        return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// `OPENBLAS_CORETYPE` as the process found it, before Unroll set it (nil when unset).
    nonisolated(unsafe) public private(set) static var coreTypeFromEnvironment: String?

    /// A one-line warning when `OPENBLAS_CORETYPE` holds OpenBLAS to narrower vectors than this CPU
    /// runs (e.g. `Haswell`'s AVX2 kernels on an AVX-512 EPYC, where `SkylakeX`'s run sgemm
    /// 1.9–2.2× faster), else nil. Forcing a narrower path is how the tests emulate other CPUs, so
    /// the variable is obeyed; an environment that sets it for every program gets this notice.
    public static var narrowCoreNotice: String? {
        let name = coreName
        guard let forced = coreTypeFromEnvironment, let better = CPUFeatures.betterOpenBLASCore(than: name) else {
            return nil
        }
        return "OPENBLAS_CORETYPE=\(forced) holds OpenBLAS to \(name) kernels; this CPU runs \(better)'s wider "
            + "ones (often ~2× faster matrix products): unset OPENBLAS_CORETYPE to use them"
    }

    /// Applies `UNROLL_NUM_THREADS` and fixes OpenBLAS's kernel choice the first time BLAS is used.
    ///
    /// Debian's OpenBLAS 0.3.21 does not know every CPU: it picks `Prescott` (SSE3 kernels, 2–2.5×
    /// slower GEMMs) on recent Intel Xeons. When OpenBLAS's own pick uses narrower vectors than the
    /// CPU's flags allow and the user did not set `OPENBLAS_CORETYPE`, Unroll sets it from the flags
    /// (`SkylakeX` with AVX-512, `Haswell` with AVX2+FMA; `CPUFeatures.betterOpenBLASCore`) and
    /// re-selects the kernels — before any BLAS call, as OpenBLAS itself does at load time.
    /// `UNROLL_BLAS_CORE=keep` turns this off.
    static func configureFromEnvironmentOnce() {
        if configured { return }
        configured = true
        coreTypeFromEnvironment = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let keep = getenv("UNROLL_BLAS_CORE").map { String(cString: $0) } == "keep"
        let current = openblas_get_corename().map { String(cString: $0) } ?? ""
        if !keep, coreTypeFromEnvironment == nil, let better = CPUFeatures.betterOpenBLASCore(than: current) {
            setenv("OPENBLAS_CORETYPE", better, 1)
            _ = unroll_openblas_reselect_core()
        }
        keepFreedMemoryForReuse()
        var threads = Int(openblas_get_num_threads())  // OPENBLAS_NUM_THREADS or the cores
        if let s = getenv("UNROLL_NUM_THREADS"), let n = Int(String(cString: s)), n > 0 { threads = n }
        ComputePool.shared.threadCount = threads
        openblas_set_num_threads(1)
    }

    /// glibc hands blocks above 128 KiB straight back to the kernel when they are freed, so each
    /// training step's fresh activation and gradient buffers (several MB) page-faulted and were
    /// zeroed again by the kernel: ~350 faults a step, ~10% of model (a)'s step. Raising the mmap
    /// and trim thresholds to 256 MiB keeps freed blocks in the heap for the next step. Peak
    /// memory is unchanged; memory freed at the end is kept by the process. `UNROLL_MALLOC=system`
    /// leaves glibc's defaults alone.
    static func keepFreedMemoryForReuse() {
        if getenv("UNROLL_MALLOC").map({ String(cString: $0) }) == "system" { return }
        _ = unroll_malloc_thresholds(256 << 20, 512 << 20)
    }

    /// The width to run a recurrent per-step product with `n` output columns at in `sgemmTiled`,
    /// or nil for OpenBLAS. Tiles are whole 16-float vectors, so `n` is rounded up to a multiple
    /// of 16 (the caller pads B and C with zero columns) when that wastes at most a quarter of the
    /// work (`n ≥ 48`); narrower odd widths, or `useTiledStepProducts` off, go to OpenBLAS.
    @inline(__always)
    public static func tiledWidth(_ n: Int) -> Int? {
        guard useTiledStepProducts else { return nil }
        if n % 16 == 0 { return n }
        return n >= 48 ? (n + 15) / 16 * 16 : nil
    }

    /// The row stride to store a tiled product's `B` operand (`width` columns) at: `width`, or 16
    /// floats more when `width / 16` is even. B's column block is read down the rows; rows an even
    /// number of 64-byte lines apart (a multiple of 1 KB for LSTM(64)'s and LSTM(256)'s `R`) map
    /// to a few of L1's sets and evict each other, while an odd number spreads them over all sets.
    /// The sums are the same bits either way. Chosen by measurement per CPU vendor and instruction
    /// set: with the AVX2 kernels (AMD EPYC Zen 3) LSTM(256)'s `[16×256]·[256×1024]` ran 36 → 62
    /// GFLOP/s and its training step 1.17–1.28× faster; with the AVX-512 kernels on AMD EPYC Zen 5,
    /// 174 → 210 GFLOP/s and (c2)'s step 1.05–1.06× faster, the other benchmark models unchanged
    /// (0.99–1.02×); with the AVX-512 kernels on an Intel Xeon, training was unchanged (0.96–1.01×),
    /// so AVX-512 on a CPU not made by AMD keeps the plain stride.
    /// A product of fewer than 4 rows (batch-1 inference) reads B once a step, so copying it to
    /// the padded stride would not pay: it keeps `width`. `padTiledStrides` overrides the rule.
    @inline(__always)
    public static func tiledStride(_ width: Int, rows: Int) -> Int {
        let pad = padTiledStrides ?? (Int(unroll_kernels_isa()) != Int(UNROLL_ISA_AVX512) || amdCPU)
        return rows < 4 || !pad || (width / 16) % 2 == 1 ? width : width + 16
    }

    private static let amdCPU = CPUFeatures.vendor == "AuthenticAMD"

    /// Forces `tiledStride`'s padding on or off for every instruction set (nil: its rule). For
    /// benchmarks and tests comparing the two; the sums are the same bits either way.
    nonisolated(unsafe) public static var padTiledStrides: Bool? = nil

    /// Lets the recurrent layers use `sgemmTiled` for their per-step products (default on); off,
    /// they use OpenBLAS — for benchmarks and tests that compare the two paths.
    nonisolated(unsafe) public static var useTiledStepProducts = true

    /// How many rows of `B` ahead `sgemmTiled` prefetches (default 4; 0 turns it off). LSTM(256)'s
    /// `R` has rows 4 KB apart, a stride the L1 prefetcher does not follow. Results are the same
    /// bits at every distance. For benchmarks and tests: set it while no product runs.
    public static var tiledPrefetchRows: Int {
        get { unroll_gemm_tiled_prefetch() }
        set { unroll_gemm_tiled_set_prefetch(newValue) }
    }

    /// Few-rows products with at least this many multiply-adds (`[1, 3200]·[3200, 256]`, a bias
    /// gradient: 0.145 → 0.080 ms on two threads) are split by columns; batch-1 inference's
    /// `[1, 64]·[64, 256]` is far below.
    public static let parallelSmallRows = 1 << 19

    /// Products with at most this many rows in `A` (batch-1 inference) skip OpenBLAS, whose
    /// per-call cost (~4 µs here) dwarfs the work; see `sgemmTiled`.
    public static let smallRows = 4

    /// `C = alpha · A · B + beta · C` (row-major, no transposes) on the calling thread, with C held
    /// in register tiles (`unroll_gemm_tiled` in Modules/CKernels), without OpenBLAS's packing.
    ///
    /// For products whose `B` stays in cache and is reused many times: the recurrent time loop's
    /// per-step `[rows, H]·[H, G·H]` and `[rows, G·H]·Rᵀ`, and batch-1 inference. With `n` a
    /// multiple of 16 it ran 1.1–1.7× OpenBLAS's speed on such shapes here; other `n` end in
    /// scalar columns and ran at 0.3×, so callers pad to `tiledWidth(n)` (docs/benchmarks-history.md).
    /// Each element sums over `k` in order, so a row's result does not depend on `m` or on how
    /// rows are split between threads. `beta = 0` ignores C's old contents (even NaN).
    ///
    /// ```swift
    /// // one LSTM(64) step for 16 batch rows: rec [16, 256] = h [16, 64] · R [64, 256]
    /// BLAS.sgemmTiled(m: 16, n: 256, k: 64, a: h, lda: 64, b: R, ldb: 256, c: rec, ldc: 256)
    /// ```
    @inline(__always)
    public static func sgemmTiled(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        unroll_gemm_tiled(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, with explicit leading dimensions.
    ///
    /// `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]` with row stride `ldc`.
    /// Leading dimensions let a kernel address one time step inside `[batch, time, features]`.
    /// With `rowBias` (`[n]`), C's old contents are replaced by the bias in every row before the
    /// product is added (`beta` is then taken as 1): `C = αAB + 1·biasᵀ`; each thread fills its own block.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta betaIn: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>? = nil
    ) {
        if m == 0 || n == 0 { return }
        let beta: Float = rowBias == nil ? betaIn : 1
        @inline(__always) func fill(_ rows: Range<Int>, _ cols: Range<Int>) {
            guard let rowBias else { return }
            for i in rows { (c + i * ldc + cols.lowerBound).update(from: rowBias + cols.lowerBound, count: cols.count) }
        }
        if k == 0 {  // C = βC (or the bias rows): BLAS would leave C untouched for k = 0 only when β = 1
            if rowBias != nil {
                fill(0..<m, 0..<n)
            } else {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        if !configured { configureFromEnvironmentOnce() }
        let pool = ComputePool.shared
        let threads = pool.threadCount
        if m <= smallRows && !transA && !transB && n >= 64 {
            // Long sums (a bias gradient: ones[1, B·T]·dY) are split by 16-column blocks; every
            // column sums in the same order either way. Batch-1 inference stays on one thread.
            let parts = m * n * k >= parallelSmallRows ? min(threads, n / 64) : 1
            pool.run(parts: parts) { p in
                let cols = ComputePool.range(part: p, of: parts, total: n, block: 16)
                fill(0..<m, cols)
                unroll_gemm_tiled(
                    m, cols.count, k, alpha, a, lda, b + cols.lowerBound, ldb, beta, c + cols.lowerBound, ldc)
            }
            return
        }
        guard threads > 1, m * n * k >= parallelWork else {
            fill(0..<m, 0..<n)
            cblasSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Split C into disjoint row blocks (op(A) rows) or column blocks (op(B) columns, in
        // multiples of 16 floats), whichever side is longer.
        if m >= n {
            let parts = min(threads, m)
            pool.run(parts: parts) { p in
                let r = ComputePool.range(part: p, of: parts, total: m)
                fill(r, 0..<n)
                cblasSgemm(
                    transA, transB, r.count, n, k, alpha, transA ? a + r.lowerBound : a + r.lowerBound * lda, lda,
                    b, ldb, beta, c + r.lowerBound * ldc, ldc)
            }
        } else {
            let parts = min(threads, (n + 15) / 16)
            pool.run(parts: parts) { p in
                let r = ComputePool.range(part: p, of: parts, total: n, block: 16)
                fill(0..<m, r)
                cblasSgemm(
                    transA, transB, m, r.count, k, alpha, a, lda, transB ? b + r.lowerBound * ldb : b + r.lowerBound,
                    ldb,
                    beta, c + r.lowerBound, ldc)
            }
        }
    }

    @inline(__always)
    private static func cblasSgemm(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
