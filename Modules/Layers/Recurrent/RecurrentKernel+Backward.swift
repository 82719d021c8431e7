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
        // Every row of dx (and drec) is written below (masked steps get zeros): no zero fill.
        var dx = Tensor(shape: [B, T, GH]) { _, _ in }
        var drecSeparate = Tensor(shape: shared ? [0] : [B, T, GH]) { _, _ in }
        var dhCarry = Tensor.zeros([B, H])
        var dcCarry = dcLast?.detached() ?? Tensor.zeros([B, H])
        var dR = Tensor.zeros([H, GH])
        var dRecBias = Tensor.zeros([GH])
        // dR sums over the positions; padded ones add 0, so with many of them only the others are
        // packed (rows of H_prev and of dRec) into a shorter product.
        let packed = Self.packedRows(mask, total: B * T)
        let rowsForDR = packed?.kept.count ?? B * T
        var hPrevAll = Tensor(shape: [rowsForDR * H]) { _, _ in }  // every row is written
        var drecPacked = [Float](repeating: 0, count: packed == nil ? 0 : rowsForDR * GH)
        let packedRow = packed?.row ?? []
        let width = BLAS.tiledWidth(H)  // Rᵀ [G·H, width], zero columns past H
        let stride = width.map { BLAS.tiledStride($0, rows: B) } ?? H  // rows apart (`BLAS.tiledStride`)
        let RT = width.map { Self.paddedCopy(R, rows: H, cols: GH, transposed: true, width: $0, stride: stride) } ?? []
        let zeroRow = [Float](repeating: 0, count: H)
        var stepNorms = [Float](repeating: 0, count: probe == nil ? 0 : parts * T)

        withOptionalBuffer(dhs) { dhsp in
            hs.withUnsafeBufferPointer { hsp in
                cs.withUnsafeBufferPointer { csp in
                    saved.withUnsafeBufferPointer { sp in
                        h0.withUnsafeBufferPointer { h0p in
                            c0.withUnsafeBufferPointer { c0p in
                                R.withUnsafeBufferPointer { rp in
                                    RT.withUnsafeBufferPointer { rtp in
                                        dx.withUnsafeMutableBufferPointer { dxp in
                                            drecSeparate.withUnsafeMutableBufferPointer { drs in
                                                dhCarry.withUnsafeMutableBufferPointer { dhc in
                                                    dcCarry.withUnsafeMutableBufferPointer { dcc in
                                                        hPrevAll.withUnsafeMutableBufferPointer { hpa in
                                                            zeroRow.withUnsafeBufferPointer { zr in
                                                                stepNorms.withUnsafeMutableBufferPointer { norms in
                                                                    withOptionalBuffer(mask) { maskP in
                                                                        withOptionalBuffer(recurrentMask) { rmaskP in
                                                                            packedRow.withUnsafeBufferPointer { prp in
                                                                                drecPacked
                                                                                    .withUnsafeMutableBufferPointer {
                                                                                        dpp in
                                                                                        let drecBase =
                                                                                            shared
                                                                                            ? dxp.baseAddress!
                                                                                            : drs.baseAddress!
                                                                                        let drecForDR =
                                                                                            packed == nil
                                                                                            ? drecBase
                                                                                            : dpp.baseAddress!
                                                                                        let io = BackwardIO(
                                                                                            dhs: dhsp?.baseAddress,
                                                                                            hs: hsp.baseAddress!,
                                                                                            cs: csp.baseAddress,
                                                                                            saved: sp.baseAddress!,
                                                                                            h0: h0p.baseAddress!,
                                                                                            c0: c0p.baseAddress!,
                                                                                            R: rp.baseAddress!,
                                                                                            RT: RT.isEmpty
                                                                                                ? nil : rtp.baseAddress,
                                                                                            tiledWidth: width ?? H,
                                                                                            RTStride: stride,
                                                                                            dx: dxp.baseAddress!,
                                                                                            drec: drecBase,
                                                                                            dhCarry: dhc.baseAddress!,
                                                                                            dcCarry: dcc.baseAddress!,
                                                                                            hPrevAll: hpa.baseAddress!,
                                                                                            packedRow: packed == nil
                                                                                                ? nil : prp.baseAddress,
                                                                                            drecPacked: packed == nil
                                                                                                ? nil : dpp.baseAddress,
                                                                                            mask: maskP?.baseAddress,
                                                                                            recurrentMask: rmaskP?
                                                                                                .baseAddress,
                                                                                            zero: zr.baseAddress!,
                                                                                            stepNorms: probe == nil
                                                                                                ? nil
                                                                                                : norms.baseAddress,
                                                                                            T: T)
                                                                                        ComputePool.shared.run(
                                                                                            parts: parts
                                                                                        ) { p in
                                                                                            backwardRows(
                                                                                                ComputePool.range(
                                                                                                    part: p, of: parts,
                                                                                                    total: B),
                                                                                                io, normsOffset: p * T)
                                                                                        }
                                                                                        // dR = H_prevᵀ [H, B·T] · dRec [B·T, G·H], with H_prev masked like the forward GEMM input.
                                                                                        dR
                                                                                            .withUnsafeMutableBufferPointer
                                                                                        { drp in
                                                                                            BLAS.sgemm(
                                                                                                transA: true,
                                                                                                transB: false, m: H,
                                                                                                n: GH, k: rowsForDR,
                                                                                                a: hpa.baseAddress!,
                                                                                                lda: H,
                                                                                                b: drecForDR, ldb: GH,
                                                                                                beta: 0,
                                                                                                c: drp.baseAddress!,
                                                                                                ldc: GH)
                                                                                        }
                                                                                        if needRecBias {
                                                                                            dRecBias
                                                                                                .withUnsafeMutableBufferPointer
                                                                                            { db in
                                                                                                for r in 0..<rowsForDR {
                                                                                                    let src =
                                                                                                        drecForDR + r
                                                                                                        * GH
                                                                                                    for j in 0..<GH {
                                                                                                        db[j] += src[j]
                                                                                                    }
                                                                                                }
                                                                                            }
                                                                                        }
                                                                                    }
                                                                            }
                                                                        }
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let probe {
            let perStep = (0..<T).map { t in (0..<parts).reduce(Float(0)) { $0 + stepNorms[$1 * T + t] }.squareRoot() }
            probe.recordGradients(layer: layerName, perStep)
        }
        return Grads(dx: dx, dR: dR, dRecBias: dRecBias, dh0: dhCarry, dc0: dcCarry)
    }

    /// The backward time loop for batch rows `rows`, and their rows of `H_prev` for `dR`.
    func backwardRows(_ rows: Range<Int>, _ io: BackwardIO, normsOffset: Int) {
        let (T, H, GH, S) = (io.T, units, cell.gates * units, cell.savedSlots * units)
        let (Bp, b0, hasC) = (rows.count, rows.lowerBound, cell.hasCellState)
        let shared = cell.recurrentIsPreactivation
        if Bp == 0 { return }
        var dhRow = [Float](repeating: 0, count: H)
        var dcRow = [Float](repeating: 0, count: H)
        var scratch = [Float](repeating: 0, count: H)
        // drec·Rᵀ goes to `tmp` when it needs the recurrent mask or padding, else straight into dh.
        let W = io.tiledWidth
        let direct = io.recurrentMask == nil && (io.RT == nil || W == H)
        var tmp = [Float](repeating: 0, count: direct ? 0 : Bp * W)
        dhRow.withUnsafeMutableBufferPointer { dhrb in
            dcRow.withUnsafeMutableBufferPointer { dcrb in
                scratch.withUnsafeMutableBufferPointer { scrb in
                    tmp.withUnsafeMutableBufferPointer { tp in
                        let (dhr, dcr, scr) = (dhrb.baseAddress!, dcrb.baseAddress!, scrb.baseAddress!)
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
                            // dh_{t−1} += (drec_t · Rᵀ) ⊙ recurrentMask, for this part's rows; a step padded
                            // in all of them has drec_t = 0 (`RecurrentKernel.allPadded`): nothing to add.
                            if !Self.allPadded(io.mask, rows: rows, steps: T, t: t) {
                                let drecT = io.drec + (b0 * T + t) * GH
                                let (out, ldo, beta) = direct ? (dhc, H, Float(1)) : (tp.baseAddress!, W, Float(0))
                                if let RT = io.RT {
                                    BLAS.sgemmTiled(
                                        m: Bp, n: W, k: GH, a: drecT, lda: T * GH, b: RT, ldb: io.RTStride,
                                        beta: beta, c: out, ldc: ldo)
                                } else {
                                    BLAS.sgemm(
                                        transA: false, transB: true, m: Bp, n: H, k: GH, a: drecT, lda: T * GH,
                                        b: io.R, ldb: GH, beta: beta, c: out, ldc: ldo)
                                }
                                if !direct {
                                    for b in 0..<Bp {
                                        let (d, src) = (dhc + b * H, tp.baseAddress! + b * ldo)
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
                                    (io.drecPacked! + slot * GH).update(from: io.drec + (gb * T + t) * GH, count: GH)
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
        }
    }
}
