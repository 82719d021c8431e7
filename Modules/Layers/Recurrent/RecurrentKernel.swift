// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (B, T, H, R, GH … are the names of the equations in RecurrentKernel's documentation.)
import Tensors

/// The fused recurrent time loop with a hand-written backward (BPTT), generic over the cell.
///
/// Inputs (tensors, differentiable): `xproj [B, T, G·H]` (all steps' `x_t·W + b`, computed by
/// the layer in one GEMM) — or, after an `Embedding`, `xproj [U, G·H]` (one row per distinct
/// token, `Tensor.projectedLookup`) with `xprojRows [B·T]` naming each step's row, read in place;
/// its gradient is then the per-row sum of the steps' gradients — `R [H, G·H]`, optional
/// `recBias [G·H]` (GRU), `h0 [B, H]`, optional `c0 [B, H]`. Constants: `mask [B, T]` (0 =
/// padded step: state carried, no gradient into the step), `recurrentMask [B, H]` (recurrent
/// dropout, applied to `h_{t−1}` before `·R`).
/// Outputs: `hs [B, T, H]` (the state after every step) and, for cells with a cell state,
/// `cLast [B, H]`.
///
/// Forward: one `[B, H]·[H, G·H]` GEMM per step, then one pass of pointwise gate math. With a
/// mask the step's GEMM takes only the rows it does not pad, gathered (`activeRows`), as packed
/// sequences; backward the same.
/// Backward, from the last step to the first: pointwise gate gradients from the saved
/// activations, then `dh_{t−1} += drec_t·Rᵀ` (one GEMM per step, against a transposed copy
/// of R made once). The per-step GEMMs use `BLAS.sgemmTiled` (R stays in cache for all T
/// steps) at a width rounded up to 16 with zero columns (`BLAS.tiledWidth`), or OpenBLAS for
/// narrow odd widths. `dR` is one GEMM over all steps at the end:
/// `dR = Σ_t h_{t−1}ᵀ·drec_t = H_prevᵀ [H, B·T] · dRec [B·T, G·H]`.
/// Truncated BPTT (`bpttSteps = k > 0`): the gradient carried from step t to t−1 is dropped when
/// `t` is a multiple of k — exactly what detaching the state between chunks of k steps gives.
struct RecurrentKernel<Cell: RecurrentCell> {
    let cell: Cell
    let units: Int
    var mask: Tensor?
    /// The unpadded positions of `mask` when it pads a quarter or more (`packedRows`): `dR` then
    /// sums over those only.
    var packed: RecurrentPacking?
    var recurrentMask: Tensor?
    var bpttSteps = 0
    /// Diagnostics sink (norm of ∂L/∂h_t per step, gate saturation) and the layer's name.
    var probe: RecurrentProbe?
    var layerName = ""

    /// Runs the loop and records it on the tape. Shapes are validated by the calling layer.
    func run(xproj: Tensor, xprojRows: [Int]? = nil, R: Tensor, recBias: Tensor?, h0: Tensor, c0: Tensor?) -> (
        hs: Tensor, cLast: Tensor?
    ) {
        let (B, H) = (h0.shape[0], units)
        let T = xprojRows.map { $0.count / B } ?? xproj.shape[1]
        let S = cell.savedSlots * H
        let hasC = cell.hasCellState
        let recording =
            GradMode.isEnabled && [xproj, R, h0].contains(where: \.requiresGrad)
            || (recBias?.requiresGrad ?? false) || (c0?.requiresGrad ?? false)
        let c0v = c0 ?? Tensor.zeros([B, H])

        // The per-step product's width for the tiled kernel: G·H, or G·H rounded up to 16 with R's
        // extra columns zero (then `Rpadded` is that copy); nil: OpenBLAS.
        let GH = cell.gates * H
        let tiled = BLAS.tiledWidth(GH)
        // Its rows an odd number of cache lines apart where that pays (`BLAS.tiledStride`).
        let stride = tiled.map { BLAS.tiledStride($0, rows: B) } ?? GH
        let Rpadded =
            tiled == nil || (tiled == GH && stride == GH)
            ? nil : Self.paddedCopy(R, rows: H, cols: GH, width: tiled!, stride: stride)

        // hs, cs and saved, made in place (`withTensorPointers`). Every element of hs, cs and (unmasked
        // rows of) saved is written below: no zero fill. Without a tape one scratch row of saved per
        // batch row serves (cells compute gates in it).
        var out = [
            Tensor(shape: [B, T, H]) { _, _ in },
            hasC ? Tensor(shape: [B, T, H]) { _, _ in } : Tensor.zeros([0]),
            Tensor(shape: [recording ? B * T * max(S, 1) : B * max(S, 1)]) { _, _ in },
        ]
        let reads = [xproj, R, Rpadded, h0, c0v, recBias, mask, recurrentMask, Tensor.zeros([H])]
        (xprojRows ?? []).withUnsafeBufferPointer { xrows in
            withTensorPointers(reading: reads, writing: &out) { r, w in
                let io = ForwardIO(
                    xproj: r[0]!, xprojRows: xprojRows == nil ? nil : xrows.baseAddress, R: r[1]!, recBias: r[5],
                    Rpadded: r[2], h0: r[3]!, c0: r[4], hs: w[0], cs: w[1], saved: w[2], savedPerStep: recording,
                    mask: r[6], recurrentMask: r[7], zero: r[8]!, T: T, tiledWidth: tiled, tiledStride: stride)
                let parts = Self.batchParts(B)
                ComputePool.shared.run(parts: parts) { p in
                    forwardRows(ComputePool.range(part: p, of: parts, total: B), io)
                }
            }
        }
        let (hs, cs, saved) = (out[0], out[1], out[2])

        if let probe, recording {
            probe.recordSaturation(layer: layerName, saturation(hs: hs, saved: saved, mask: mask, B: B, T: T, S: S))
        }

        let cLast: Tensor? =
            hasC
            ? Tensor(shape: [B, H]) { p, _ in
                cs.withUnsafeBufferPointer { c in
                    for b in 0..<B { (p + b * H).update(from: c.baseAddress! + (b * T + T - 1) * H, count: H) }
                }
            } : nil

        var inputs = [xproj, R]
        if let recBias { inputs.append(recBias) }
        inputs.append(h0)
        if let c0 { inputs.append(c0) }
        let outs = Tensor.recordFused("\(Cell.self)", inputs: inputs, outputs: [hs] + (cLast.map { [$0] } ?? [])) {
            grads in
            let g = backward(
                dhs: grads[0], dcLast: grads.count > 1 ? grads[1] : nil, R: R, h0: h0, c0: c0v,
                hs: hs, cs: cs, saved: saved, needRecBias: recBias != nil)
            // Read through xprojRows: each row's gradient is the sum over the steps that read it.
            var out: [Tensor?] = [
                xprojRows.map { Tensor.scatteredRows(g.dx, slots: $0, rows: xproj.shape[0]) } ?? g.dx, g.dR,
            ]
            if recBias != nil { out.append(g.dRecBias) }
            out.append(g.dh0)
            if c0 != nil { out.append(g.dc0) }
            return out
        }
        return (outs[0], hasC ? outs[1] : nil)
    }

    /// How many parts the batch is split into: one per pool thread, at least 8 rows each
    /// (fewer rows make the per-step GEMM too thin to be worth a thread).
    static func batchParts(_ B: Int) -> Int { max(1, min(ComputePool.shared.threadCount, B / 8)) }

    /// Pointers the forward time loop reads and writes; each part touches only its batch rows.
    struct ForwardIO {
        /// Step inputs: row `b·T + t`, or row `xprojRows[b·T + t]` when given.
        let xproj: UnsafePointer<Float>, xprojRows: UnsafePointer<Int>?
        let R: UnsafePointer<Float>, recBias: UnsafePointer<Float>?
        /// R with zero columns up to `tiledWidth`; nil when no padding is needed.
        let Rpadded: UnsafePointer<Float>?
        let h0: UnsafePointer<Float>, c0: UnsafePointer<Float>?
        let hs: UnsafeMutablePointer<Float>, cs: UnsafeMutablePointer<Float>?, saved: UnsafeMutablePointer<Float>
        /// Saved activations for every step (a tape is recording) or one scratch row per batch row.
        let savedPerStep: Bool
        let mask: UnsafePointer<Float>?, recurrentMask: UnsafePointer<Float>?
        let zero: UnsafePointer<Float>
        let T: Int
        /// Width of the tiled per-step product (`BLAS.tiledWidth`), or nil for OpenBLAS.
        let tiledWidth: Int?
        /// Row stride of `Rpadded` (or of R, `G·H`, when there is no copy).
        let tiledStride: Int
    }

    /// `m [rows, cols]` (or its transpose `[cols, rows]`) copied into a matrix `width` columns wide,
    /// zero past the last real column, its rows `stride ≥ width` floats apart: the B operand of a
    /// tiled per-step product.
    static func paddedCopy(_ m: Tensor, rows: Int, cols: Int, transposed: Bool = false, width: Int, stride: Int? = nil)
        -> Tensor
    {
        let ld = stride ?? width
        let (outRows, used) = transposed ? (cols, rows) : (rows, cols)
        return Tensor(shape: [outRows * ld]) { out, _ in
            m.withUnsafeBufferPointer { buffer in
                let src = buffer.baseAddress!
                if !transposed {
                    for r in 0..<rows { (out + r * ld).update(from: src + r * cols, count: cols) }
                } else {
                    // 16 columns at a time, down all rows: each source cache line is read once, and
                    // the 16 output rows being filled stay in L1 (element by element down columns,
                    // LSTM(256)'s 1 MB `R`, rows 4 KB apart, took ~0.5 ms: its lines fight for one set).
                    for c0 in Swift.stride(from: 0, to: cols, by: 16) {
                        let c1 = min(c0 + 16, cols)
                        for r in 0..<rows {
                            let s = src + r * cols
                            var d = out + c0 * ld + r
                            for c in c0..<c1 {
                                d.pointee = s[c]
                                d += ld
                            }
                        }
                    }
                }
            }
            for r in 0..<outRows { (out + r * ld + used).update(repeating: 0, count: ld - used) }
        }
    }

    /// All T steps for the batch rows `rows`: per step one `[rows, H]·[H, G·H]` GEMM, then the
    /// cell's pointwise pass per row.
    func forwardRows(_ rows: Range<Int>, _ io: ForwardIO) {
        let (T, H, GH, S) = (io.T, units, cell.gates * units, cell.savedSlots * units)
        let (Bp, b0, hasC) = (rows.count, rows.lowerBound, cell.hasCellState)
        if Bp == 0 { return }
        let ldr = io.tiledWidth ?? GH  // row stride of the step product (zero columns past GH)
        // The step product, and its rows of h_{t−1} when gathered (the step pads some rows, or
        // recurrent dropout masks them); `active`: the rows it does not pad.
        Self.withScratch(floats: [Bp * ldr, Bp * H], ints: Bp) { f, active in
            let (rb, hg) = (f[0], f[1])
            for t in 0..<T {
                let hPrev = t == 0 ? io.h0 + b0 * H : UnsafePointer(io.hs + (b0 * T + t - 1) * H)
                let ldh = t == 0 ? H : T * H
                // Only the rows the step does not pad take part in the product (as PyTorch's packed
                // sequences); a step padded in every row only carries the states.
                let n = io.mask.map { Self.activeRows($0, rows: rows, steps: T, t: t, into: active) } ?? Bp
                let gathered = n < Bp
                if n > 0 {
                    var (a, lda) = (hPrev, ldh)
                    if gathered || io.recurrentMask != nil {
                        for i in 0..<n {
                            let b = gathered ? active[i] : i
                            let (d, src) = (hg + i * H, hPrev + b * ldh)
                            if let rm = io.recurrentMask {
                                let m = rm + (b0 + b) * H
                                for j in 0..<H { d[j] = src[j] * m[j] }
                            } else {
                                d.update(from: src, count: H)
                            }
                        }
                        (a, lda) = (UnsafePointer(hg), H)
                    }
                    if let bias = io.recBias {
                        for i in 0..<n { (rb + i * ldr).update(from: bias, count: GH) }
                    }
                    if let width = io.tiledWidth {
                        BLAS.sgemmTiled(
                            m: n, n: width, k: H, a: a, lda: lda, b: io.Rpadded ?? io.R, ldb: io.tiledStride,
                            beta: io.recBias == nil ? 0 : 1, c: rb, ldc: width)
                    } else {
                        BLAS.sgemm(
                            transA: false, transB: false, m: n, n: GH, k: H, a: a, lda: lda, b: io.R, ldb: GH,
                            beta: io.recBias == nil ? 0 : 1, c: rb, ldc: GH)
                    }
                }
                var productRow = 0  // the next unpadded row's row of the product
                for b in 0..<Bp {
                    let row = (b0 + b) * T + t
                    let hp = hPrev + b * ldh
                    let cp: UnsafePointer<Float> =
                        !hasC ? io.zero : (t == 0 ? io.c0! + (b0 + b) * H : UnsafePointer(io.cs! + (row - 1) * H))
                    let hOut = io.hs + row * H
                    let cOut = hasC ? io.cs! + row * H : UnsafeMutablePointer(mutating: io.zero)
                    if let m = io.mask, m[row] == 0 {
                        hOut.update(from: hp, count: H)
                        if hasC { cOut.update(from: cp, count: H) }
                        continue
                    }
                    cell.forwardRow(
                        units: H, x: io.xproj + (io.xprojRows?[row] ?? row) * GH,
                        rec: rb + (gathered ? productRow : b) * ldr, hPrev: hp, cPrev: cp, h: hOut, c: cOut,
                        saved: io.saved + (io.savedPerStep ? row : b0 + b) * S)
                    productRow += 1
                }
            }
        }
    }

    /// Runs `body` with zeroed scratch for one part's time loop — float buffers of `floats`
    /// elements each, and `ints` integers — taken from one allocation made before the loop and
    /// freed after it.
    static func withScratch(
        floats: [Int], ints: Int, _ body: ([UnsafeMutablePointer<Float>], UnsafeMutablePointer<Int>) -> Void
    ) {
        let total = floats.reduce(0, +)
        let f = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        let i = UnsafeMutablePointer<Int>.allocate(capacity: max(ints, 1))
        f.initialize(repeating: 0, count: max(total, 1))
        i.initialize(repeating: 0, count: max(ints, 1))
        defer {
            f.deallocate()
            i.deallocate()
        }
        var offsets = [0]
        for n in floats.dropLast() { offsets.append(offsets.last! + n) }
        body(offsets.map { f + $0 }, i)
    }

    /// The rows of `rows` (counted from its first) that step `t` does not pad (`mask` ≠ 0), in
    /// order, into `active`; returns how many. The per-step products take only these rows; a
    /// padded row carries its states unchanged and no gradient enters its step.
    static func activeRows(
        _ mask: UnsafePointer<Float>, rows: Range<Int>, steps: Int, t: Int, into active: UnsafeMutablePointer<Int>
    ) -> Int {
        var n = 0
        for b in rows where mask[b * steps + t] != 0 {
            active[n] = b - rows.lowerBound
            n += 1
        }
        return n
    }

    /// The unpadded positions (`b·T + t`, in order) and each position's row among them (−1 if
    /// padded), when at least a quarter of the positions are padded; else nil (every position
    /// keeps its row).
    static func packedRows(_ mask: Tensor?, total: Int) -> RecurrentPacking? {
        guard let mask, mask.count == total else { return nil }
        var row = [Int](repeating: -1, count: total)
        var kept: [Int] = []
        mask.withUnsafeBufferPointer { m in
            for (r, v) in m.enumerated() where v != 0 {
                row[r] = kept.count
                kept.append(r)
            }
        }
        return kept.isEmpty || 4 * kept.count > 3 * total ? nil : RecurrentPacking(kept: kept, row: row)
    }

    struct Grads { var dx: Tensor, dR: Tensor, dRecBias: Tensor, dh0: Tensor, dc0: Tensor }

    /// Share of saturated units per gate over the unmasked steps.
    func saturation(hs: Tensor, saved: Tensor, mask: Tensor?, B: Int, T: Int, S: Int) -> [String: Float] {
        var out: [String: Float] = [:]
        let H = units
        let m = mask?.scalars
        hs.withUnsafeBufferPointer { hp in
            saved.withUnsafeBufferPointer { sp in
                for g in cell.gateSlots {
                    var hits = 0
                    var total = 0
                    for row in 0..<(B * T) where m == nil || m![row] != 0 {
                        let base = g.slot < 0 ? hp.baseAddress! + row * H : sp.baseAddress! + row * S + g.slot * H
                        for j in 0..<H where g.saturated(base[j]) { hits += 1 }
                        total += H
                    }
                    out[g.name] = total == 0 ? 0 : Float(hits) / Float(total)
                }
            }
        }
        return out
    }
}

/// The unpadded positions of a `[B, T]` mask, `b·T + t` in order (`kept`), and each position's
/// row among them (`row`, −1 where padded).
struct RecurrentPacking {
    let kept: [Int]
    let row: [Int]
}
