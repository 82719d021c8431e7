// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (B, T, H, R, GH … are the names of the equations in RecurrentKernel's documentation.)
import Tensors

/// BPTT for `RecurrentKernel`: the batch is split as in the forward pass, each part runs the
/// time loop backwards over its rows (pointwise gate gradients from the saved activations, then
/// `dh_{t−1} += drec_t·Rᵀ` as one GEMM per step for its rows, tiled against `Rᵀ` copied once);
/// `dR` is one GEMM over all rows and steps at the end, split by `BLAS.sgemm` itself.
extension RecurrentKernel {
    /// Pointers the backward time loop reads and writes; each part touches only its batch rows.
    struct BackwardIO {
        let dhs: UnsafePointer<Float>?, hs: UnsafePointer<Float>, cs: UnsafePointer<Float>?, saved: UnsafePointer<Float>
        let h0: UnsafePointer<Float>, c0: UnsafePointer<Float>, R: UnsafePointer<Float>
        /// `Rᵀ [G·H, width]` (zero columns past H), so `drec_t·Rᵀ` is a plain product for
        /// `BLAS.sgemmTiled`; nil when OpenBLAS serves.
        let RT: UnsafePointer<Float>?, tiledWidth: Int
        /// Row stride of `RT` (`BLAS.tiledStride`).
        let RTStride: Int
        let dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>
        let dhCarry: UnsafeMutablePointer<Float>, dcCarry: UnsafeMutablePointer<Float>
        /// `h_{t−1}` (recurrent-masked) per position for `dR`: row `b·T + t`, or row `packedRow[b·T + t]`
        /// when padded positions are left out (−1 for those); then `drecPacked` gets `drec` the same way.
        let hPrevAll: UnsafeMutablePointer<Float>
        let packedRow: UnsafePointer<Int>?, drecPacked: UnsafeMutablePointer<Float>?
        let mask: UnsafePointer<Float>?, recurrentMask: UnsafePointer<Float>?
        let zero: UnsafePointer<Float>
        /// `[parts, T]` squared norms of ∂L/∂h_t per part (diagnostics), or nil.
        let stepNorms: UnsafeMutablePointer<Float>?
        let T: Int
    }

    /// BPTT over the saved forward pass; see the type's documentation for the equations.
    func backward(
        dhs: Tensor?, dcLast: Tensor?, R: Tensor, h0: Tensor, c0: Tensor,
        hs: Tensor, cs: Tensor, saved: Tensor, needRecBias: Bool
    ) -> Grads {
        let (B, T, H, G) = (hs.shape[0], hs.shape[1], units, cell.gates)
        let GH = G * H
        let shared = cell.recurrentIsPreactivation
        let parts = Self.batchParts(B)
        // dR sums over the positions; padded ones add 0, so with many of them (`packed`, from the
        // layer) only the others are packed (rows of H_prev and of dRec) into a shorter product.
        let rowsForDR = packed?.kept.count ?? B * T
        let width = BLAS.tiledWidth(H)  // Rᵀ [G·H, width], zero columns past H
        let stride = width.map { BLAS.tiledStride($0, rows: B) } ?? H  // rows apart (`BLAS.tiledStride`)
        let RT = width.map { Self.paddedCopy(R, rows: H, cols: GH, transposed: true, width: $0, stride: stride) }
        // Outputs and scratch, made in place (`withTensorPointers`). Every row of dx (and drec) and
        // of hPrevAll is written below (masked steps get zeros): no zero fill for those.
        var out = [
            Tensor(shape: [B, T, GH]) { _, _ in },  // dx
            Tensor(shape: shared ? [0] : [B, T, GH]) { _, _ in },  // drec, when not dx itself
            Tensor.zeros([B, H]),  // dhCarry
            dcLast?.detached() ?? Tensor.zeros([B, H]),  // dcCarry
            Tensor(shape: [rowsForDR * H]) { _, _ in },  // hPrevAll
            Tensor.zeros([packed == nil ? 0 : rowsForDR * GH]),  // drecPacked
            Tensor.zeros([probe == nil ? 0 : parts * T]),  // stepNorms
            Tensor.zeros([H, GH]),  // dR
            Tensor.zeros([GH]),  // dRecBias
        ]
        let reads = [dhs, hs, cs, saved, h0, c0, R, RT, Tensor.zeros([H]), mask, recurrentMask]
        (packed?.row ?? []).withUnsafeBufferPointer { packedRow in
            withTensorPointers(reading: reads, writing: &out) { r, w in
                let (dx, drecOwn, dhCarry, dcCarry, hPrevAll, drecPacked) = (w[0], w[1], w[2], w[3], w[4], w[5])
                let drec = shared ? dx : drecOwn
                let drecForDR = packed == nil ? drec : drecPacked
                let io = BackwardIO(
                    dhs: r[0], hs: r[1]!, cs: r[2], saved: r[3]!, h0: r[4]!, c0: r[5]!, R: r[6]!, RT: r[7],
                    tiledWidth: width ?? H, RTStride: stride, dx: dx, drec: drec, dhCarry: dhCarry, dcCarry: dcCarry,
                    hPrevAll: hPrevAll, packedRow: packed == nil ? nil : packedRow.baseAddress,
                    drecPacked: packed == nil ? nil : drecPacked, mask: r[9], recurrentMask: r[10], zero: r[8]!,
                    stepNorms: probe == nil ? nil : w[6], T: T)
                ComputePool.shared.run(parts: parts) { p in
                    backwardRows(ComputePool.range(part: p, of: parts, total: B), io, normsOffset: p * T)
                }
                // dR = H_prevᵀ [H, B·T] · dRec [B·T, G·H], with H_prev masked like the forward GEMM input.
                BLAS.sgemm(
                    transA: true, transB: false, m: H, n: GH, k: rowsForDR, a: hPrevAll, lda: H, b: drecForDR, ldb: GH,
                    beta: 0, c: w[7], ldc: GH)
                if needRecBias {
                    for r in 0..<rowsForDR {
                        let src = drecForDR + r * GH
                        for j in 0..<GH { w[8][j] += src[j] }
                    }
                }
            }
        }
        if let probe {
            let norms = out[6].scalars
            let perStep = (0..<T).map { t in (0..<parts).reduce(Float(0)) { $0 + norms[$1 * T + t] }.squareRoot() }
            probe.recordGradients(layer: layerName, perStep)
        }
        return Grads(dx: out[0], dR: out[7], dRecBias: out[8], dh0: out[2], dc0: out[3])
    }

    /// The backward time loop for batch rows `rows`, and their rows of `H_prev` for `dR`.
    func backwardRows(_ rows: Range<Int>, _ io: BackwardIO, normsOffset: Int) {
        let (T, H, GH, S) = (io.T, units, cell.gates * units, cell.savedSlots * units)
        let (Bp, b0, hasC) = (rows.count, rows.lowerBound, cell.hasCellState)
        let shared = cell.recurrentIsPreactivation
        if Bp == 0 { return }
        // drec·Rᵀ goes to `tmp` when it needs the recurrent mask, padding columns or gathered rows
        // (`dGathered`: the rows of drec_t a step with padded rows keeps), else straight into dh.
        let W = io.tiledWidth
        let direct = io.recurrentMask == nil && (io.RT == nil || W == H)
        Self.withScratch(floats: [H, H, H, Bp * W, io.mask == nil ? 0 : Bp * GH], ints: Bp) { f, active in
            let (dhr, dcr, scr, tmp, dGathered) = (f[0], f[1], f[2], f[3], f[4])
            let dhc = io.dhCarry + b0 * H
            let dcc = io.dcCarry + b0 * H
            for t in stride(from: T - 1, through: 0, by: -1) {
                for b in 0..<Bp {
                    let gb = b0 + b
                    let row = gb * T + t
                    let dhb = dhc + b * H
                    let dcb = dcc + b * H
                    // Pointers hoisted out of the j loops: indexing `dhs[row * H + j]` kept Swift's
                    // overflow checks inside and the loop scalar (5% of model (a)'s step).
                    if let dhs = io.dhs {
                        let src = dhs + row * H
                        for j in 0..<H { dhr[j] = src[j] + dhb[j] }
                    } else {
                        dhr.update(from: dhb, count: H)
                    }
                    if let norms = io.stepNorms {
                        var s: Float = 0
                        for j in 0..<H { s += dhr[j] * dhr[j] }
                        norms[normsOffset + t] += s
                    }
                    if let m = io.mask, m[row] == 0 {
                        dhb.update(from: dhr, count: H)  // state passed through unchanged
                        (io.dx + row * GH).update(repeating: 0, count: GH)
                        if !shared { (io.drec + row * GH).update(repeating: 0, count: GH) }
                        continue
                    }
                    let hp = t == 0 ? io.h0 + gb * H : io.hs + (row - 1) * H
                    let cp = !hasC ? io.zero : (t == 0 ? io.c0 + gb * H : io.cs! + (row - 1) * H)
                    let cc = hasC ? io.cs! + row * H : io.zero
                    if hasC { dcr.update(from: dcb, count: H) }
                    cell.backwardRow(
                        units: H, dh: dhr, dc: hasC ? UnsafePointer(dcr) : io.zero,
                        hPrev: hp, cPrev: cp, h: io.hs + row * H, c: cc, saved: io.saved + row * S,
                        dx: io.dx + row * GH, drec: shared ? scr : io.drec + row * GH,
                        dhPrev: dhb, dcPrev: hasC ? dcb : scr)
                }
                // dh_{t−1} += (drec_t · Rᵀ) ⊙ recurrentMask, for the rows of the part the step does
                // not pad (gathered when it pads some; padded rows have drec_t = 0): as forward.
                let n =
                    io.mask.map {
                        Self.activeRows($0, rows: rows, steps: T, t: t, into: active)
                    }
                    ?? Bp
                let gathered = n < Bp
                if n > 0 {
                    var (drecT, lda) = (UnsafePointer(io.drec + (b0 * T + t) * GH), T * GH)
                    if gathered {
                        for i in 0..<n {
                            (dGathered + i * GH).update(
                                from: io.drec + ((b0 + active[i]) * T + t) * GH, count: GH)
                        }
                        (drecT, lda) = (UnsafePointer(dGathered), GH)
                    }
                    let (out, ldo, beta) =
                        direct && !gathered ? (dhc, H, Float(1)) : (tmp, W, Float(0))
                    if let RT = io.RT {
                        BLAS.sgemmTiled(
                            m: n, n: W, k: GH, a: drecT, lda: lda, b: RT, ldb: io.RTStride,
                            beta: beta, c: out, ldc: ldo)
                    } else {
                        BLAS.sgemm(
                            transA: false, transB: true, m: n, n: H, k: GH, a: drecT, lda: lda,
                            b: io.R, ldb: GH, beta: beta, c: out, ldc: ldo)
                    }
                    if !direct || gathered {
                        for i in 0..<n {
                            let b = gathered ? active[i] : i
                            let (d, src) = (dhc + b * H, tmp + i * ldo)
                            if let rm = io.recurrentMask {
                                let m = rm + (b0 + b) * H
                                for j in 0..<H { d[j] += src[j] * m[j] }
                            } else {
                                for j in 0..<H { d[j] += src[j] }
                            }
                        }
                    }
                }
                if bpttSteps > 0 && t % bpttSteps == 0 && t > 0 {
                    dhc.update(repeating: 0, count: Bp * H)
                    if hasC { dcc.update(repeating: 0, count: Bp * H) }
                }
            }
            for gb in rows {
                for t in 0..<T {
                    var slot = gb * T + t
                    if let packedRow = io.packedRow {
                        slot = packedRow[gb * T + t]
                        if slot < 0 { continue }
                        (io.drecPacked! + slot * GH).update(
                            from: io.drec + (gb * T + t) * GH, count: GH)
                    }
                    let src = t == 0 ? io.h0 + gb * H : io.hs + (gb * T + t - 1) * H
                    let dst = io.hPrevAll + slot * H
                    if let rm = io.recurrentMask {
                        let m = rm + gb * H
                        for j in 0..<H { dst[j] = src[j] * m[j] }
                    } else {
                        dst.update(from: src, count: H)
                    }
                }
            }
        }
    }
}
