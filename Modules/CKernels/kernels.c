#include "CKernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Each kernel exists three times: baseline x86-64 (SSE2), AVX2+FMA and AVX-512, compiled from
// kernels_impl.h. A table of function pointers picks one at load time from the CPU's features;
// unroll_kernels_force_isa lets tests run every variant the CPU has on one machine.

/// 16 floats: one AVX-512 register, two AVX2 or four SSE registers.
typedef float unroll_v16 __attribute__((ext_vector_type(16)));

// Register tile of the small GEMM per instruction set: rows × 16-float vectors (accumulators
// must fit the 16 (SSE, AVX2) or 32 (AVX-512) vector registers with room for B's vectors).
#define TILE_ROWS 2
#define TILE_VECS 1
#define ROW_VECS 1
#define ISA base
#include "kernels_impl.h"
#undef ISA

#if defined(__x86_64__)
#define UNROLL_X86 1
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
// 16 YMM registers: a tile of 6 rows × 16 columns keeps 12 accumulators, B's 2 vectors and a
// broadcast in registers (the shape of OpenBLAS's Haswell kernel); a lone row takes 64 columns.
#undef TILE_VECS
#define TILE_VECS 1
#undef TILE_ROWS
#define TILE_ROWS 6
#undef ROW_VECS
#define ROW_VECS 4
#define ISA avx2
#include "kernels_impl.h"
#undef ISA
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#undef TILE_VECS
#define TILE_VECS 4
#undef TILE_ROWS
#define TILE_ROWS 6
#undef ROW_VECS
#define ROW_VECS 4
#define ISA avx512
#include "kernels_impl.h"
#undef ISA
#pragma clang attribute pop
#endif

typedef struct {
    void (*vexp)(float *, ptrdiff_t);
    void (*vsigmoid)(float *, ptrdiff_t);
    void (*vtanh)(float *, ptrdiff_t);
    void (*gemm_tiled)(ptrdiff_t, ptrdiff_t, ptrdiff_t, float, const float *, ptrdiff_t, const float *, ptrdiff_t, float, float *, ptrdiff_t, ptrdiff_t);
    void (*lstm_forward_row)(ptrdiff_t, const float *, const float *, const float *, float *, float *, float *);
    void (*lstm_backward_row)(ptrdiff_t, const float *, const float *, const float *, const float *, const float *, float *, float *);
    void (*rnn_forward_row)(ptrdiff_t, int, const float *, const float *, float *);
    void (*rnn_backward_row)(ptrdiff_t, int, const float *, const float *, float *);
    void (*gru_forward_row)(ptrdiff_t, const float *, const float *, const float *, float *, float *);
    void (*gru_backward_row)(ptrdiff_t, const float *, const float *, const float *, float *, float *, float *);
    void (*adam)(ptrdiff_t, float *, float *, float *, const float *, float, float, float, float, float, float);
    void (*add_rows)(ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const ptrdiff_t *, float *, ptrdiff_t);
    ptrdiff_t (*onehot_ids)(ptrdiff_t, ptrdiff_t, const float *, float *);
    void (*softmax_xent_rows)(ptrdiff_t, ptrdiff_t, const float *, const ptrdiff_t *, float *, float *);
} KernelTable;

#define TABLE(s) { vexp_##s, vsigmoid_##s, vtanh_##s, gemm_tiled_##s, lstm_forward_row_##s, lstm_backward_row_##s, rnn_forward_row_##s, rnn_backward_row_##s, gru_forward_row_##s, gru_backward_row_##s, adam_##s, add_rows_##s, onehot_ids_##s, softmax_xent_rows_##s }
static const KernelTable tables[] = {
    TABLE(base),
#if UNROLL_X86
    TABLE(avx2),
    TABLE(avx512),
#endif
};

static int supported(int isa) {
    if (isa == UNROLL_ISA_BASELINE) return 1;
#if UNROLL_X86
    __builtin_cpu_init();
    if (isa == UNROLL_ISA_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == UNROLL_ISA_AVX512) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                                         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                                         __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return 0;
}

static int activeISA = UNROLL_ISA_BASELINE;
static const KernelTable *active = &tables[0];

// UNROLL_KERNELS_ISA=baseline|avx2|avx512 caps the variant chosen at load time (a variant the CPU
// lacks falls back to the best one below it), so a whole run — the test suite, a benchmark —
// can take the path another CPU would take.
static int isaCap(void) {
    const char *s = getenv("UNROLL_KERNELS_ISA");
    if (s == NULL) return UNROLL_ISA_AVX512;
    if (strcmp(s, "baseline") == 0) return UNROLL_ISA_BASELINE;
    if (strcmp(s, "avx2") == 0) return UNROLL_ISA_AVX2;
    return UNROLL_ISA_AVX512;
}

__attribute__((constructor)) static void chooseKernels(void) {
    for (int isa = isaCap(); isa > UNROLL_ISA_BASELINE; isa--) {
        if (supported(isa)) { activeISA = isa; active = &tables[isa]; return; }
    }
}

int unroll_kernels_isa(void) { return activeISA; }

int unroll_kernels_force_isa(int isa) {
    if (isa < UNROLL_ISA_BASELINE || isa > UNROLL_ISA_AVX512 || !supported(isa)) return 0;
    activeISA = isa; active = &tables[isa];
    return 1;
}

// Rows of B the tiled GEMM prefetches ahead. At 3–4, LSTM(256)'s step product [16×256]·[256×1024]
// ran 1.1–1.7× faster alone on one core than with none (2 and 6: less), and model (c2) trained
// 1.06–1.08× faster; the smaller models' products did not change (docs/benchmarks.md).
static ptrdiff_t gemmPrefetchRows = 4;

ptrdiff_t unroll_gemm_tiled_prefetch(void) { return gemmPrefetchRows; }
void unroll_gemm_tiled_set_prefetch(ptrdiff_t rows) { gemmPrefetchRows = rows < 0 ? 0 : rows; }

void unroll_vexp(float *x, ptrdiff_t n) { active->vexp(x, n); }
void unroll_vsigmoid(float *x, ptrdiff_t n) { active->vsigmoid(x, n); }
void unroll_vtanh(float *x, ptrdiff_t n) { active->vtanh(x, n); }
void unroll_gemm_tiled(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a, ptrdiff_t lda,
                       const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc) {
    active->gemm_tiled(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, gemmPrefetchRows);
}
void unroll_lstm_forward_row(ptrdiff_t H, const float *x, const float *rec, const float *cPrev, float *h, float *c, float *g) {
    active->lstm_forward_row(H, x, rec, cPrev, h, c, g);
}
void unroll_lstm_backward_row(ptrdiff_t H, const float *dh, const float *dc, const float *cPrev, const float *c,
                              const float *g, float *dx, float *dcPrev) {
    active->lstm_backward_row(H, dh, dc, cPrev, c, g, dx, dcPrev);
}
void unroll_rnn_forward_row(ptrdiff_t H, int act, const float *x, const float *rec, float *h) {
    active->rnn_forward_row(H, act, x, rec, h);
}
void unroll_rnn_backward_row(ptrdiff_t H, int act, const float *dh, const float *h, float *dx) {
    active->rnn_backward_row(H, act, dh, h, dx);
}
void unroll_gru_forward_row(ptrdiff_t H, const float *x, const float *rec, const float *hPrev, float *h, float *s) {
    active->gru_forward_row(H, x, rec, hPrev, h, s);
}
void unroll_gru_backward_row(ptrdiff_t H, const float *dh, const float *hPrev, const float *s, float *dx, float *drec, float *dhPrev) {
    active->gru_backward_row(H, dh, hPrev, s, dx, drec, dhPrev);
}
void unroll_adam(ptrdiff_t n, float *m, float *v, float *p, const float *g, float b1, float b2, float c1, float c2, float lr, float eps) {
    active->adam(n, m, v, p, g, b1, b2, c1, c2, lr, eps);
}

void unroll_add_rows(ptrdiff_t rows, ptrdiff_t n, const float *src, ptrdiff_t lds, const ptrdiff_t *slot, float *dst, ptrdiff_t ldd) {
    active->add_rows(rows, n, src, lds, slot, dst, ldd);
}

ptrdiff_t unroll_onehot_ids(ptrdiff_t rows, ptrdiff_t depth, const float *x, float *ids) {
    return active->onehot_ids(rows, depth, x, ids);
}

void unroll_softmax_xent_rows(ptrdiff_t rows, ptrdiff_t n, const float *x, const ptrdiff_t *target, float *soft, float *loss) {
    active->softmax_xent_rows(rows, n, x, target, soft, loss);
}

// ---- allocator ----

int unroll_malloc_thresholds(int mmapThreshold, int trimThreshold) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1;
#else
    (void)mmapThreshold; (void)trimThreshold;
    return 0;
#endif
}
