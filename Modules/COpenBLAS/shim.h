// Debian's libopenblas-dev installs <cblas.h> (with openblas_set_num_threads) on the
// multiarch include path through the alternatives system.
#include <cblas.h>

// DYNAMIC_ARCH builds (Debian's) pick their kernels once, at load time. Version 0.3.21 does
// not recognise some recent CPUs and falls back to the generic Prescott (SSE3) kernels.
// These two exported functions let Unroll re-select the kernels (honouring OPENBLAS_CORETYPE)
// before its first BLAS call. Weak, so a build without them still links; then this is a no-op.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

static inline int unroll_openblas_reselect_core(void) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    return 1;
}

// LAPACK's Householder QR, which Debian's OpenBLAS builds in (32-bit Fortran integers). Weak,
// so a BLAS without LAPACK still links; `unroll_orthonormal_columns` then reports 0.
#include <stdlib.h>
extern void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
                    double *work, const int *lwork, int *info) __attribute__((weak));
extern void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
                    double *work, const int *lwork, int *info) __attribute__((weak));

/// Replaces the columns of `a` (column-major `[m, n]`, `m ≥ n ≥ 1`, leading dimension `m`) by
/// the Q of `a = QR` with R's diagonal made non-negative: the Q that Gram–Schmidt gives. Returns
/// 1 when done, 0 when LAPACK is missing or fails (then `a` may hold anything).
static inline int unroll_orthonormal_columns(int m, int n, double *a) {
    if (!dgeqrf_ || !dorgqr_ || m < n || n < 1) return 0;
    int info = 0, query = -1;
    double size1 = 0, size2 = 0;
    dgeqrf_(&m, &n, a, &m, NULL, &size1, &query, &info);
    if (info != 0) return 0;
    dorgqr_(&m, &n, &n, a, &m, NULL, &size2, &query, &info);
    if (info != 0) return 0;
    int lwork = (int)(size1 > size2 ? size1 : size2);
    if (lwork < n) lwork = n;
    double *tau = malloc(sizeof(double) * (size_t)n), *work = malloc(sizeof(double) * (size_t)lwork);
    double *sign = malloc(sizeof(double) * (size_t)n);
    int ok = tau && work && sign;
    if (ok) dgeqrf_(&m, &n, a, &m, tau, work, &lwork, &info);
    ok = ok && info == 0;
    if (ok) {
        for (int j = 0; j < n; j++) sign[j] = a[(size_t)j * m + j] < 0 ? -1.0 : 1.0;   // diag(R)
        dorgqr_(&m, &n, &n, a, &m, tau, work, &lwork, &info);
        ok = info == 0;
    }
    if (ok) for (int j = 0; j < n; j++) if (sign[j] < 0) for (int i = 0; i < m; i++) a[(size_t)j * m + i] = -a[(size_t)j * m + i];
    free(tau); free(work); free(sign);
    return ok;
}
