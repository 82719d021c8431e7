// The kernels' bodies, included once per instruction set by kernels.c with `ISA` set to the
// suffix (base, avx2, avx512) inside a `#pragma clang attribute` that sets the target. No
// include guard on purpose.
#define K_CAT2(a, b) a##_##b
#define K_CAT(a, b) K_CAT2(a, b)
#define K(name) K_CAT(name, ISA)

// ---- elementary functions (the forms FastMathTests checks against glibc) ----

static inline float K(fm_exp)(float xIn) {
    float x = xIn > 88.3f ? 88.3f : xIn;
    x = x < -87.3f ? -87.3f : x;
    const float shifter = 12582912.0f;                 // 1.5·2²³: adding it rounds to an integer
    float t = x * 1.44269504f + shifter;
    float n = t - shifter;
    float r = (x - n * 0.69314575f) - n * 1.4286068e-6f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    int32_t tb, sb;
    memcpy(&tb, &t, 4); memcpy(&sb, &shifter, 4);
    int32_t bits = (int32_t)((uint32_t)(tb - sb + 127) << 23);
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}
// σ′ = σ(1 − σ)
static inline float K(fm_sigmoid)(float x) { return 1.0f / (1.0f + K(fm_exp)(-x)); }
// tanh′ = 1 − tanh²
static inline float K(fm_tanh)(float x) {
    float x2 = x * x;
    float small = x * (1 + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315))));
    float large = 1 - 2 / (K(fm_exp)(2 * x) + 1);
    return (x < 0.15f && x > -0.15f) ? small : large;
}

static void K(vexp)(float *x, ptrdiff_t n) { for (ptrdiff_t i = 0; i < n; i++) x[i] = K(fm_exp)(x[i]); }
static void K(vsigmoid)(float *x, ptrdiff_t n) { for (ptrdiff_t i = 0; i < n; i++) x[i] = K(fm_sigmoid)(x[i]); }
static void K(vtanh)(float *x, ptrdiff_t n) { for (ptrdiff_t i = 0; i < n; i++) x[i] = K(fm_tanh)(x[i]); }

// ---- register-tiled GEMM for small B (the recurrent step's [rows, H]·[H, G·H]) ----
// A tile of TILE_ROWS rows × TILE_VECS·16 columns of C lives in registers while
// Σ_p A[i, p]·B[p, cols] accumulates in order p = 0, 1, …; B's column block is reused by every
// row tile before moving on. Each element's sum runs over p in the same order whatever tile it
// falls in, so splitting rows between threads does not change results.
// B's rows are `ldb` floats apart: 4 KB for LSTM(256)'s R, beyond the stride the L1 prefetcher
// follows, so each row of the block came from L2 on demand. The tile prefetches the row
// `prefetch` rows ahead (`unroll_gemm_tiled_prefetch`); the sums are the same either way.

// acc[r][·] += A[r, p] · B[p, ·] for one p
#define K_GEMM_TILE_STEP(p) do { \
        unroll_v16 bv[ROW_VECS > TILE_VECS ? ROW_VECS : TILE_VECS]; \
        for (int q = 0; q < W; q++) memcpy(&bv[q], b + (p) * ldb + 16 * q, sizeof(unroll_v16)); \
        for (int r = 0; r < R; r++) { \
            const unroll_v16 s = (unroll_v16)a[r * lda + (p)]; \
            for (int q = 0; q < W; q++) acc[r][q] += s * bv[q]; \
        } \
    } while (0)

static inline __attribute__((always_inline)) void K(gemm_tile)(const int R, const int W, ptrdiff_t k, float alpha,
        const float *restrict a, ptrdiff_t lda, const float *restrict b, ptrdiff_t ldb, float beta, float *restrict c, ptrdiff_t ldc,
        ptrdiff_t prefetch) {
    unroll_v16 acc[TILE_ROWS][ROW_VECS > TILE_VECS ? ROW_VECS : TILE_VECS];
    for (int r = 0; r < R; r++) for (int q = 0; q < W; q++) acc[r][q] = (unroll_v16)0;
    const ptrdiff_t ahead = prefetch > 0 && prefetch < k ? k - prefetch : 0;    // rows that have a row `prefetch` ahead
    ptrdiff_t p = 0;
    for (; p < ahead; p++) {
        for (int q = 0; q < W; q++) __builtin_prefetch(b + (p + prefetch) * ldb + 16 * q);
        K_GEMM_TILE_STEP(p);
    }
    for (; p < k; p++) K_GEMM_TILE_STEP(p);
    for (int r = 0; r < R; r++) for (int q = 0; q < W; q++) {
        float *cp = c + r * ldc + 16 * q;
        unroll_v16 out = alpha * acc[r][q];
        if (beta != 0) { unroll_v16 old; memcpy(&old, cp, sizeof old); out = beta * old + out; }
        memcpy(cp, &out, sizeof out);
    }
}

// Columns j0 … j0 + 16·TILE_VECS of R rows: one tile as wide as the whole vectors left, then scalar columns.
static inline __attribute__((always_inline)) void K(gemm_tile_rows)(const int R, ptrdiff_t j0, ptrdiff_t n, ptrdiff_t k, float alpha,
        const float *restrict a, ptrdiff_t lda, const float *restrict b, ptrdiff_t ldb, float beta, float *restrict c, ptrdiff_t ldc,
        ptrdiff_t prefetch) {
    const ptrdiff_t vecs = (n - j0) / 16 < TILE_VECS ? (n - j0) / 16 : TILE_VECS;
    switch (vecs) {       // the last block may be narrower: as many whole vectors as remain
    case TILE_VECS: K(gemm_tile)(R, TILE_VECS, k, alpha, a, lda, b + j0, ldb, beta, c + j0, ldc, prefetch); return;
#if TILE_VECS > 3
    case 3: K(gemm_tile)(R, 3, k, alpha, a, lda, b + j0, ldb, beta, c + j0, ldc, prefetch); break;
#endif
#if TILE_VECS > 2
    case 2: K(gemm_tile)(R, 2, k, alpha, a, lda, b + j0, ldb, beta, c + j0, ldc, prefetch); break;
#endif
#if TILE_VECS > 1
    case 1: K(gemm_tile)(R, 1, k, alpha, a, lda, b + j0, ldb, beta, c + j0, ldc, prefetch); break;
#endif
    default: break;
    }
    ptrdiff_t j = j0 + 16 * vecs;
    for (; j < n; j++) for (int r = 0; r < R; r++) {
        float acc = 0;
        for (ptrdiff_t p = 0; p < k; p++) acc += a[r * lda + p] * b[p * ldb + j];
        c[r * ldc + j] = beta == 0 ? alpha * acc : beta * c[r * ldc + j] + alpha * acc;
    }
}

#if ROW_VECS > TILE_VECS
// One row, columns j0 … j0 + 16·ROW_VECS: rows left over after the multi-row tiles (batch-1
// inference's only row) get a wider tile, so enough accumulators are in flight to hide the FMA
// latency. Same sums in the same order as any other tile.
static inline __attribute__((always_inline)) void K(gemm_row_wide)(ptrdiff_t j0, ptrdiff_t n, ptrdiff_t k, float alpha,
        const float *restrict a, const float *restrict b, ptrdiff_t ldb, float beta, float *restrict c, ptrdiff_t prefetch) {
    const ptrdiff_t vecs = (n - j0) / 16 < ROW_VECS ? (n - j0) / 16 : ROW_VECS;
    switch (vecs) {
    case ROW_VECS: K(gemm_tile)(1, ROW_VECS, k, alpha, a, 0, b + j0, ldb, beta, c + j0, 0, prefetch); return;
#if ROW_VECS > 3
    case 3: K(gemm_tile)(1, 3, k, alpha, a, 0, b + j0, ldb, beta, c + j0, 0, prefetch); break;
#endif
#if ROW_VECS > 2
    case 2: K(gemm_tile)(1, 2, k, alpha, a, 0, b + j0, ldb, beta, c + j0, 0, prefetch); break;
#endif
    case 1: K(gemm_tile)(1, 1, k, alpha, a, 0, b + j0, ldb, beta, c + j0, 0, prefetch); break;
    default: break;
    }
    for (ptrdiff_t j = j0 + 16 * vecs; j < n; j++) {
        float acc = 0;
        for (ptrdiff_t p = 0; p < k; p++) acc += a[p] * b[p * ldb + j];
        c[j] = beta == 0 ? alpha * acc : beta * c[j] + alpha * acc;
    }
}
#endif

static void K(gemm_tiled)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *restrict a, ptrdiff_t lda,
                          const float *restrict b, ptrdiff_t ldb, float beta, float *restrict c, ptrdiff_t ldc, ptrdiff_t prefetch) {
    ptrdiff_t mt = m;   // rows the multi-row tiles take
#if ROW_VECS > TILE_VECS
    mt = m - m % TILE_ROWS;
#if TILE_ROWS > 4
    if (m % TILE_ROWS >= 4) mt += 4;
#endif
#endif
    for (ptrdiff_t j = 0; j < n; j += 16 * TILE_VECS) {
        ptrdiff_t i = 0;
        for (; i + TILE_ROWS <= mt; i += TILE_ROWS) K(gemm_tile_rows)(TILE_ROWS, j, n, k, alpha, a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc, prefetch);
#if TILE_ROWS > 4
        for (; i + 4 <= mt; i += 4) K(gemm_tile_rows)(4, j, n, k, alpha, a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc, prefetch);
#endif
        for (; i < mt; i++) K(gemm_tile_rows)(1, j, n, k, alpha, a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc, prefetch);
    }
#if ROW_VECS > TILE_VECS
    for (ptrdiff_t i = mt; i < m; i++)
        for (ptrdiff_t j = 0; j < n; j += 16 * ROW_VECS) K(gemm_row_wide)(j, n, k, alpha, a + i * lda, b, ldb, beta, c + i * ldc, prefetch);
#endif
}

#undef K_GEMM_TILE_STEP

// ---- LSTM pointwise step (LSTMCell.swift states the equations) ----

static void K(lstm_forward_row)(ptrdiff_t H, const float *restrict x, const float *restrict rec, const float *restrict cPrev,
                                          float *restrict h, float *restrict c, float *restrict g) {
    for (ptrdiff_t k = 0; k < 4 * H; k++) g[k] = x[k] + rec[k];
    for (ptrdiff_t k = 0; k < 2 * H; k++) g[k] = K(fm_sigmoid)(g[k]);             // i, f
    for (ptrdiff_t k = 2 * H; k < 3 * H; k++) g[k] = K(fm_tanh)(g[k]);            // c̃
    for (ptrdiff_t k = 3 * H; k < 4 * H; k++) g[k] = K(fm_sigmoid)(g[k]);         // o
    for (ptrdiff_t j = 0; j < H; j++) c[j] = g[H + j] * cPrev[j] + g[j] * g[2 * H + j];
    for (ptrdiff_t j = 0; j < H; j++) h[j] = K(fm_tanh)(c[j]) * g[3 * H + j];
}

static void K(lstm_backward_row)(ptrdiff_t H, const float *restrict dh, const float *restrict dc, const float *restrict cPrev,
                                           const float *restrict c, const float *restrict g, float *restrict dx, float *restrict dcPrev) {
    const float *i = g, *f = g + H, *gg = g + 2 * H, *o = g + 3 * H;
    float *dI = dx, *dF = dx + H, *dG = dx + 2 * H, *dO = dx + 3 * H;
    for (ptrdiff_t j = 0; j < H; j++) dO[j] = K(fm_tanh)(c[j]);                                  // τ, kept in dO for now
    for (ptrdiff_t j = 0; j < H; j++) dcPrev[j] = dc[j] + dh[j] * o[j] * (1 - dO[j] * dO[j]); // total dc, in dcPrev for now
    for (ptrdiff_t j = 0; j < H; j++) dO[j] = dh[j] * dO[j] * o[j] * (1 - o[j]);
    for (ptrdiff_t j = 0; j < H; j++) dI[j] = dcPrev[j] * gg[j] * i[j] * (1 - i[j]);
    for (ptrdiff_t j = 0; j < H; j++) dF[j] = dcPrev[j] * cPrev[j] * f[j] * (1 - f[j]);
    for (ptrdiff_t j = 0; j < H; j++) dG[j] = dcPrev[j] * i[j] * (1 - gg[j] * gg[j]);
    for (ptrdiff_t j = 0; j < H; j++) dcPrev[j] *= f[j];
}

// ---- SimpleRNN pointwise step (SimpleRNNCell.swift states the equations) ----

static void K(rnn_forward_row)(ptrdiff_t H, int act, const float *restrict x, const float *restrict rec, float *restrict h) {
    switch (act) {
    case UNROLL_ACT_TANH: for (ptrdiff_t j = 0; j < H; j++) h[j] = K(fm_tanh)(x[j] + rec[j]); break;
    case UNROLL_ACT_SIGMOID: for (ptrdiff_t j = 0; j < H; j++) h[j] = K(fm_sigmoid)(x[j] + rec[j]); break;
    case UNROLL_ACT_RELU: for (ptrdiff_t j = 0; j < H; j++) { float v = x[j] + rec[j]; h[j] = v > 0 ? v : 0; } break;
    default: for (ptrdiff_t j = 0; j < H; j++) h[j] = x[j] + rec[j]; break;
    }
}

// f′ from the output: tanh 1 − h², sigmoid h(1 − h), relu [h > 0], linear 1
static void K(rnn_backward_row)(ptrdiff_t H, int act, const float *restrict dh, const float *restrict h, float *restrict dx) {
    switch (act) {
    case UNROLL_ACT_TANH: for (ptrdiff_t j = 0; j < H; j++) dx[j] = dh[j] * (1 - h[j] * h[j]); break;
    case UNROLL_ACT_SIGMOID: for (ptrdiff_t j = 0; j < H; j++) dx[j] = dh[j] * h[j] * (1 - h[j]); break;
    case UNROLL_ACT_RELU: for (ptrdiff_t j = 0; j < H; j++) dx[j] = h[j] > 0 ? dh[j] : 0; break;
    default: for (ptrdiff_t j = 0; j < H; j++) dx[j] = dh[j]; break;
    }
}

// ---- GRU pointwise step (GRUCell.swift states the equations) ----

static void K(gru_forward_row)(ptrdiff_t H, const float *restrict x, const float *restrict rec, const float *restrict hPrev,
                               float *restrict h, float *restrict s) {
    for (ptrdiff_t k = 0; k < 2 * H; k++) s[k] = K(fm_sigmoid)(x[k] + rec[k]);                 // z, r
    for (ptrdiff_t j = 0; j < H; j++) s[3 * H + j] = rec[2 * H + j];                            // r_h
    for (ptrdiff_t j = 0; j < H; j++) s[2 * H + j] = K(fm_tanh)(x[2 * H + j] + s[H + j] * s[3 * H + j]);   // n
    for (ptrdiff_t j = 0; j < H; j++) h[j] = s[j] * hPrev[j] + (1 - s[j]) * s[2 * H + j];
}

static void K(gru_backward_row)(ptrdiff_t H, const float *restrict dh, const float *restrict hPrev, const float *restrict s,
                                float *restrict dx, float *restrict drec, float *restrict dhPrev) {
    const float *z = s, *r = s + H, *n = s + 2 * H, *rh = s + 3 * H;
    float *dZ = dx, *dR = dx + H, *dN = dx + 2 * H;
    for (ptrdiff_t j = 0; j < H; j++) dN[j] = dh[j] * (1 - z[j]) * (1 - n[j] * n[j]);         // ∂/∂(x_h + r⊙r_h)
    for (ptrdiff_t j = 0; j < H; j++) dZ[j] = dh[j] * (hPrev[j] - n[j]) * z[j] * (1 - z[j]);
    for (ptrdiff_t j = 0; j < H; j++) dR[j] = dN[j] * rh[j] * r[j] * (1 - r[j]);
    for (ptrdiff_t j = 0; j < H; j++) dhPrev[j] = dh[j] * z[j];
    for (ptrdiff_t k = 0; k < 2 * H; k++) drec[k] = dx[k];                                     // z and r enter as x + rec
    for (ptrdiff_t j = 0; j < H; j++) drec[2 * H + j] = dN[j] * r[j];
}

// ---- optimizer ----

static void K(adam)(ptrdiff_t n, float *restrict m, float *restrict v, float *restrict p, const float *restrict g,
                              float b1, float b2, float c1, float c2, float lr, float eps) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float mi = b1 * m[i] + (1 - b1) * g[i];
        float vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * (mi / c1) / (__builtin_elementwise_sqrt(vi / c2) + eps);   // no errno: vectorises
    }
}


// ---- scatter-add by slot ----

static void K(add_rows)(ptrdiff_t rows, ptrdiff_t n, const float *restrict src, ptrdiff_t lds,
                        const ptrdiff_t *restrict slot, float *restrict dst, ptrdiff_t ldd) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *restrict d = dst + slot[r] * ldd;
        const float *restrict x = src + r * lds;
        for (ptrdiff_t c = 0; c < n; c++) d[c] += x[c];
    }
}

// ---- one-hot rows → ids ----

static ptrdiff_t K(onehot_ids)(ptrdiff_t rows, ptrdiff_t depth, const float *restrict x, float *restrict ids) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * depth;
        int32_t nonzero = 0, other = 0, last = -1;
        for (int32_t j = 0; j < (int32_t)depth; j++) {       // branch-free, so it vectorises
            const float v = xr[j];
            nonzero += v != 0;
            other |= (v != 0) & (v != 1);                      // NaN counts as other
            const int32_t at = v != 0 ? j : -1;
            last = at > last ? at : last;
        }
        if (nonzero > 1 || other) return r;
        ids[r] = nonzero ? (float)last : (float)depth;
    }
    return rows;
}

// ---- softmax cross-entropy by rows ----
// Maxima and sums run over 16 lanes, then across the lanes in order: fixed, whatever the row.

static void K(softmax_xent_rows)(ptrdiff_t rows, ptrdiff_t n, const float *restrict x, const ptrdiff_t *restrict target,
                                 float *restrict soft, float *restrict loss) {
    const ptrdiff_t n16 = n & ~(ptrdiff_t)15;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * n;
        float *restrict pr = soft + r * n;
        unroll_v16 mv = (unroll_v16)(-__builtin_inff());
        for (ptrdiff_t j = 0; j < n16; j += 16) {
            unroll_v16 v;
            memcpy(&v, xr + j, sizeof v);
            mv = __builtin_elementwise_max(mv, v);
        }
        float m = -__builtin_inff();
        for (int q = 0; q < 16; q++) m = mv[q] > m ? mv[q] : m;
        for (ptrdiff_t j = n16; j < n; j++) m = xr[j] > m ? xr[j] : m;
        for (ptrdiff_t j = 0; j < n; j++) pr[j] = K(fm_exp)(xr[j] - m);
        unroll_v16 sv = (unroll_v16)0;
        for (ptrdiff_t j = 0; j < n16; j += 16) {
            unroll_v16 v;
            memcpy(&v, pr + j, sizeof v);
            sv += v;
        }
        float sum = 0;
        for (int q = 0; q < 16; q++) sum += sv[q];
        for (ptrdiff_t j = n16; j < n; j++) sum += pr[j];
        loss[r] = __builtin_logf(sum) - (xr[target[r]] - m);     // not (m + log) − x: that cancels at large m
        const float inv = 1 / sum;
        for (ptrdiff_t j = 0; j < n; j++) pr[j] *= inv;
    }
}
