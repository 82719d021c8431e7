// Hot loops compiled several times for different x86-64 instruction sets (AVX-512, AVX2+FMA,
// baseline) and picked once at load time by the CPU's features.
// Swift code is built for baseline x86-64 (SSE2) and has no per-function target attribute;
// these few loops are where that costs most (see docs/benchmarks.md).
#ifndef UNROLL_CKERNELS_H
#define UNROLL_CKERNELS_H
#include <stddef.h>

/// Instruction sets a kernel variant is built for.
enum { UNROLL_ISA_BASELINE = 0, UNROLL_ISA_AVX2 = 1, UNROLL_ISA_AVX512 = 2 };
/// The variant in use: the best this CPU has, chosen at load time; the environment variable
/// `UNROLL_KERNELS_ISA=baseline|avx2|avx512` caps it (to run another CPU's path on this one).
int unroll_kernels_isa(void);
/// Switches every kernel to `isa` if this CPU has it (returns 1), else changes nothing (returns 0).
/// For tests that compare the variants; not thread-safe against kernels running meanwhile.
int unroll_kernels_force_isa(int isa);

/// In place `x[i] = e^x[i]`, `n` elements (Cody–Waite reduction + degree-6 polynomial; inputs
/// clamped to [−87.3, 88.3]; NaN propagates). Relative error below 3e-7.
void unroll_vexp(float *x, ptrdiff_t n);
/// In place `x[i] = 1 / (1 + e^(−x[i]))`.
void unroll_vsigmoid(float *x, ptrdiff_t n);
/// In place `x[i] = tanh(x[i])`: Taylor polynomial for |x| < 0.15, `1 − 2/(e^(2x) + 1)` elsewhere.
void unroll_vtanh(float *x, ptrdiff_t n);

/// `C = αAB + βC` (row-major, no transposes) with register tiles of C (6 rows × 64 columns with
/// AVX-512, 2 × 32 with AVX2, 2 × 16 baseline): for products whose B stays in cache — the
/// recurrent step's `[rows, H]·[H, G·H]` and `[rows, G·H]·Rᵀ`, and batch-1 inference, where
/// OpenBLAS's per-call packing costs more than the work.
/// Every element sums `A[i,p]·B[p,j]` over p in order, so a row's result does not depend on `m`.
/// `β = 0` ignores C's old contents.
void unroll_gemm_tiled(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a, ptrdiff_t lda,
                       const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc);
/// How many rows of B ahead `unroll_gemm_tiled` prefetches into L1 (default 4; 0 = none). The
/// results are the same bits whatever the distance. For benchmarks and tests; not thread-safe
/// against products running meanwhile.
ptrdiff_t unroll_gemm_tiled_prefetch(void);
void unroll_gemm_tiled_set_prefetch(ptrdiff_t rows);

/// One LSTM step for one batch row (gate order i, f, c̃, o; equations in LSTMCell.swift):
/// `g = act(x + rec)` into `g [4H]`, `c = f⊙cPrev + i⊙c̃`, `h = o⊙tanh(c)`. No argument aliases another.
void unroll_lstm_forward_row(ptrdiff_t H, const float *x, const float *rec, const float *cPrev,
                             float *h, float *c, float *g);
/// Its backward: from `dh`, `dc` and the saved gates `g [4H]` writes the pre-activation
/// gradients `dx [4H]` and `dcPrev [H]` (= dc_total ⊙ f).
void unroll_lstm_backward_row(ptrdiff_t H, const float *dh, const float *dc, const float *cPrev, const float *c,
                              const float *g, float *dx, float *dcPrev);

/// Activations of the SimpleRNN step.
enum { UNROLL_ACT_LINEAR = 0, UNROLL_ACT_TANH = 1, UNROLL_ACT_SIGMOID = 2, UNROLL_ACT_RELU = 3 };
/// One SimpleRNN step for one batch row: `h = act(x + rec)`, `H` elements. No argument aliases another.
void unroll_rnn_forward_row(ptrdiff_t H, int act, const float *x, const float *rec, float *h);
/// Its backward: `dx = dh ⊙ act′`, with `act′` from the output `h` (tanh `1−h²`, sigmoid `h(1−h)`, relu `[h>0]`).
void unroll_rnn_backward_row(ptrdiff_t H, int act, const float *dh, const float *h, float *dx);

/// One GRU step for one batch row (Keras `reset_after`, gate order z, r, h̃; equations in
/// GRUCell.swift): writes `h [H]` and the saved `s = [z r n r_h] [4H]`. No argument aliases another.
void unroll_gru_forward_row(ptrdiff_t H, const float *x, const float *rec, const float *hPrev, float *h, float *s);
/// Its backward: from `dh` and `s` writes `dx [3H]`, `drec [3H]` and the direct `dhPrev [H]` (= dh ⊙ z).
void unroll_gru_backward_row(ptrdiff_t H, const float *dh, const float *hPrev, const float *s, float *dx, float *drec, float *dhPrev);

/// Adam on `n` parameters: `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`,
/// `p −= lr · (m/c₁) / (√(v/c₂) + ε)` with the bias corrections `c₁ = 1−β₁ᵗ`, `c₂ = 1−β₂ᵗ`.
/// Every element gets the same operations wherever it sits, so splitting `n` does not change results.
void unroll_adam(ptrdiff_t n, float *m, float *v, float *p, const float *g,
                 float b1, float b2, float c1, float c2, float lr, float eps);

/// Scatter-add of rows: `dst[slot[r]·ldd + c] += src[r·lds + c]` for `r < rows`, `c < n`, rows in
/// order (the per-token gradient sums of an embedding projected per distinct token). `dst` must not
/// overlap `src`; a slot may repeat.
void unroll_add_rows(ptrdiff_t rows, ptrdiff_t n, const float *src, ptrdiff_t lds, const ptrdiff_t *slot, float *dst, ptrdiff_t ldd);

/// Reads one-hot rows: row `r` of `x [rows, depth]` holding a single 1 (the rest 0) writes that
/// column to `ids[r]`, an all-zero row writes `depth`. Stops at the first row that is neither (a
/// second non-zero, a value other than 0 or 1, NaN) and returns its index; returns `rows` when
/// every row is one-hot or zero.
ptrdiff_t unroll_onehot_ids(ptrdiff_t rows, ptrdiff_t depth, const float *x, float *ids);

/// Softmax cross-entropy of each row of logits `x [rows, n]` against class `target[r]` (in 0..<n):
/// `soft[r] = softmax(x[r])` (kept for the backward, `∂x = soft − onehot(target)`) and
/// `loss[r] = log Σ_j e^(x[r,j] − m) − (x[r, target[r]] − m)` with `m = max_j x[r,j]`. The sum and
/// the maximum run 16 lanes wide and then across the lanes in a fixed order. `soft` must not
/// overlap `x`.
void unroll_softmax_xent_rows(ptrdiff_t rows, ptrdiff_t n, const float *x, const ptrdiff_t *target, float *soft, float *loss);

/// glibc `mallopt(M_MMAP_THRESHOLD, mmapThreshold)` and `mallopt(M_TRIM_THRESHOLD, trimThreshold)`
/// (malloc.h is not in Swift's Glibc module); does nothing on other C libraries. Returns 1 when both were set.
int unroll_malloc_thresholds(int mmapThreshold, int trimThreshold);

/// Swaps two paths in one atomic step (Linux `renameat2(RENAME_EXCHANGE)`): afterwards `a` names
/// what `b` named and the other way round. Returns 0, or the errno (ENOSYS or EINVAL where the
/// kernel or file system cannot exchange; the caller then falls back to two renames).
int unroll_rename_exchange(const char *a, const char *b);

#endif
