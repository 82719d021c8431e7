import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Thin, allocation-free access to OpenBLAS.
///
/// Thread count: `BLAS.threadCount` (or the environment variable `UNROLL_NUM_THREADS`, read once
/// at first use; OpenBLAS's own `OPENBLAS_NUM_THREADS` also applies). Default: all cores.
public enum BLAS {
    /// Number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { configureFromEnvironmentOnce(); return Int(openblas_get_num_threads()) }
        set { configureFromEnvironmentOnce(); openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    nonisolated(unsafe) private static var configured = false

    /// Applies `UNROLL_NUM_THREADS` the first time BLAS is used.
    static func configureFromEnvironmentOnce() {
        if configured { return }
        configured = true
        if let s = getenv("UNROLL_NUM_THREADS"), let n = Int(String(cString: s)), n > 0 {
            openblas_set_num_threads(Int32(n))
        }
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, with explicit leading dimensions.
    ///
    /// `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]` with row stride `ldc`.
    /// Leading dimensions let a kernel address one time step inside `[batch, time, features]`.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {   // BLAS would leave C untouched for k = 0 only when beta = 1
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        if !configured { configureFromEnvironmentOnce() }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
