import Tensors

/// The fused recurrent time loop with a hand-written backward (BPTT), generic over the cell.
///
/// Inputs (tensors, differentiable): `xproj [B, T, G·H]` (all steps' `x_t·W + b`, computed by
/// the layer in one GEMM), `R [H, G·H]`, optional `recBias [G·H]` (GRU), `h0 [B, H]`, optional
/// `c0 [B, H]`. Constants: `mask [B, T]` (0 = padded step: state carried, no gradient into the
/// step), `recurrentMask [B, H]` (recurrent dropout, applied to `h_{t−1}` before `·R`).
/// Outputs: `hs [B, T, H]` (the state after every step) and, for cells with a cell state,
/// `cLast [B, H]`.
///
/// Forward: one `[B, H]·[H, G·H]` GEMM per step, then one pass of pointwise gate math.
/// Backward, from the last step to the first: pointwise gate gradients from the saved
/// activations, then `dh_{t−1} += drec_t·Rᵀ` (one GEMM per step). `dR` is one GEMM over all steps
/// at the end: `dR = Σ_t h_{t−1}ᵀ·drec_t = H_prevᵀ [H, B·T] · dRec [B·T, G·H]`.
/// Truncated BPTT (`bpttSteps = k > 0`): the gradient carried from step t to t−1 is dropped when
/// `t` is a multiple of k — exactly what detaching the state between chunks of k steps gives.
struct RecurrentKernel<Cell: RecurrentCell> {
    let cell: Cell
    let units: Int
    var mask: Tensor?
    var recurrentMask: Tensor?
    var bpttSteps = 0
    /// Diagnostics sink (norm of ∂L/∂h_t per step, gate saturation) and the layer's name.
    var probe: RecurrentProbe?
    var layerName = ""

    /// Runs the loop and records it on the tape. Shapes are validated by the calling layer.
    func run(xproj: Tensor, R: Tensor, recBias: Tensor?, h0: Tensor, c0: Tensor?) -> (hs: Tensor, cLast: Tensor?) {
        let (B, T, H, G) = (xproj.shape[0], xproj.shape[1], units, cell.gates)
        let GH = G * H, S = cell.savedSlots * H
        let hasC = cell.hasCellState
        // Every element of hs, cs and (unmasked rows of) saved is written below: no zero fill.
        // Without a tape nothing reads the saved activations, so one scratch row serves.
        let recording = GradMode.isEnabled && [xproj, R, h0].contains(where: \.requiresGrad)
            || (recBias?.requiresGrad ?? false) || (c0?.requiresGrad ?? false)
        var hs = Tensor(shape: [B, T, H]) { _, _ in }
        var cs = hasC ? Tensor(shape: [B, T, H]) { _, _ in } : Tensor.zeros([0])
        var saved = Tensor(shape: [recording ? B * T * max(S, 1) : max(S, 1)]) { _, _ in }   // cells may use it as scratch
        let savedStride = recording ? S : 0
        var recBuf = [Float](repeating: 0, count: B * GH)
        var hMasked = [Float](repeating: 0, count: recurrentMask == nil ? 0 : B * H)
        let zeroRow = [Float](repeating: 0, count: H)
        let c0v = c0 ?? Tensor.zeros([B, H])

        xproj.withUnsafeBufferPointer { xp in R.withUnsafeBufferPointer { rp in h0.withUnsafeBufferPointer { h0p in
        c0v.withUnsafeBufferPointer { c0p in hs.withUnsafeMutableBufferPointer { hsp in cs.withUnsafeMutableBufferPointer { csp in
        saved.withUnsafeMutableBufferPointer { sp in recBuf.withUnsafeMutableBufferPointer { rb in hMasked.withUnsafeMutableBufferPointer { hm in
        zeroRow.withUnsafeBufferPointer { zr in withOptionalBuffer(mask) { maskP in withOptionalBuffer(recurrentMask) { rmaskP in
            let bias = recBias?.scalars
            for t in 0..<T {
                let hPrev = t == 0 ? h0p.baseAddress! : UnsafePointer(hsp.baseAddress! + (t - 1) * H)
                let ldh = t == 0 ? H : T * H
                var a = hPrev, lda = ldh
                if let rm = rmaskP {
                    for b in 0..<B { for j in 0..<H { hm[b * H + j] = hPrev[b * ldh + j] * rm[b * H + j] } }
                    a = UnsafePointer(hm.baseAddress!); lda = H
                }
                if let bias { for b in 0..<B { for j in 0..<GH { rb[b * GH + j] = bias[j] } } }
                BLAS.sgemm(transA: false, transB: false, m: B, n: GH, k: H, a: a, lda: lda, b: rp.baseAddress!, ldb: GH,
                           beta: bias == nil ? 0 : 1, c: rb.baseAddress!, ldc: GH)
                for b in 0..<B {
                    let row = b * T + t
                    let hp = hPrev + b * ldh
                    let cp: UnsafePointer<Float> = !hasC ? zr.baseAddress! : (t == 0 ? c0p.baseAddress! + b * H : UnsafePointer(csp.baseAddress! + (row - 1) * H))
                    let hOut = hsp.baseAddress! + row * H
                    let cOut = hasC ? csp.baseAddress! + row * H : UnsafeMutablePointer(mutating: zr.baseAddress!)
                    if let m = maskP, m[row] == 0 {
                        hOut.update(from: hp, count: H)
                        if hasC { cOut.update(from: cp, count: H) }
                        continue
                    }
                    cell.forwardRow(units: H, x: xp.baseAddress! + row * GH, rec: rb.baseAddress! + b * GH, hPrev: hp, cPrev: cp,
                                    h: hOut, c: cOut, saved: sp.baseAddress! + row * savedStride)
                }
            }
        } } } } } } } } } } } }

        if let probe, recording { probe.recordSaturation(layer: layerName, saturation(hs: hs, saved: saved, mask: mask, B: B, T: T, S: S)) }

        let cLast: Tensor? = hasC ? Tensor(shape: [B, H]) { p, _ in
            cs.withUnsafeBufferPointer { c in for b in 0..<B { (p + b * H).update(from: c.baseAddress! + (b * T + T - 1) * H, count: H) } }
        } : nil

        var inputs = [xproj, R]
        if let recBias { inputs.append(recBias) }
        inputs.append(h0)
        if let c0 { inputs.append(c0) }
        let (hsC, csC, savedC) = (hs, cs, saved)
        let outs = Tensor.recordFused("\(Cell.self)", inputs: inputs, outputs: [hs] + (cLast.map { [$0] } ?? [])) { grads in
            let g = backward(dhs: grads[0], dcLast: grads.count > 1 ? grads[1] : nil, xproj: xproj, R: R, h0: h0, c0: c0v,
                             hs: hsC, cs: csC, saved: savedC, needRecBias: recBias != nil)
            var out: [Tensor?] = [g.dx, g.dR]
            if recBias != nil { out.append(g.dRecBias) }
            out.append(g.dh0)
            if c0 != nil { out.append(g.dc0) }
            return out
        }
        return (outs[0], hasC ? outs[1] : nil)
    }

    struct Grads { var dx: Tensor, dR: Tensor, dRecBias: Tensor, dh0: Tensor, dc0: Tensor }

    /// Share of saturated units per gate over the unmasked steps.
    func saturation(hs: Tensor, saved: Tensor, mask: Tensor?, B: Int, T: Int, S: Int) -> [String: Float] {
        var out: [String: Float] = [:]
        let H = units
        let m = mask?.scalars
        hs.withUnsafeBufferPointer { hp in saved.withUnsafeBufferPointer { sp in
            for g in cell.gateSlots {
                var hits = 0, total = 0
                for row in 0..<(B * T) where m == nil || m![row] != 0 {
                    let base = g.slot < 0 ? hp.baseAddress! + row * H : sp.baseAddress! + row * S + g.slot * H
                    for j in 0..<H where g.saturated(base[j]) { hits += 1 }
                    total += H
                }
                out[g.name] = total == 0 ? 0 : Float(hits) / Float(total)
            }
        } }
        return out
    }

    /// BPTT over the saved forward pass; see the type's documentation for the equations.
    func backward(dhs: Tensor?, dcLast: Tensor?, xproj: Tensor, R: Tensor, h0: Tensor, c0: Tensor,
                  hs: Tensor, cs: Tensor, saved: Tensor, needRecBias: Bool) -> Grads {
        let (B, T, H, G) = (xproj.shape[0], xproj.shape[1], units, cell.gates)
        let GH = G * H, S = cell.savedSlots * H
        let hasC = cell.hasCellState, shared = cell.recurrentIsPreactivation
        var dx = Tensor.zeros([B, T, GH])
        var drecSeparate = Tensor.zeros(shared ? [0] : [B, T, GH])
        var dhCarry = Tensor.zeros([B, H])
        var dcCarry = dcLast?.detached() ?? Tensor.zeros([B, H])
        var dR = Tensor.zeros([H, GH])
        var dRecBias = Tensor.zeros([GH])
        var dhRow = [Float](repeating: 0, count: H), dcRow = [Float](repeating: 0, count: H)
        var tmp = [Float](repeating: 0, count: recurrentMask == nil ? 0 : B * H)
        var hPrevAll = [Float](repeating: 0, count: B * T * H)
        let zeroRow = [Float](repeating: 0, count: H)
        var scratch = [Float](repeating: 0, count: H)
        var stepNorms = [Float](repeating: 0, count: probe == nil ? 0 : T)

        let dhsT = dhs ?? Tensor.zeros([0])
        dhsT.withUnsafeBufferPointer { dhsp in hs.withUnsafeBufferPointer { hsp in cs.withUnsafeBufferPointer { csp in
        saved.withUnsafeBufferPointer { sp in h0.withUnsafeBufferPointer { h0p in c0.withUnsafeBufferPointer { c0p in
        R.withUnsafeBufferPointer { rp in dx.withUnsafeMutableBufferPointer { dxp in drecSeparate.withUnsafeMutableBufferPointer { drs in
        dhCarry.withUnsafeMutableBufferPointer { dhc in dcCarry.withUnsafeMutableBufferPointer { dcc in
        dhRow.withUnsafeMutableBufferPointer { dhr in dcRow.withUnsafeMutableBufferPointer { dcr in tmp.withUnsafeMutableBufferPointer { tp in
        zeroRow.withUnsafeBufferPointer { zr in scratch.withUnsafeMutableBufferPointer { scr in hPrevAll.withUnsafeMutableBufferPointer { hpa in
        withOptionalBuffer(mask) { maskP in withOptionalBuffer(recurrentMask) { rmaskP in
            let drecBase = shared ? dxp.baseAddress! : drs.baseAddress!
            for t in stride(from: T - 1, through: 0, by: -1) {
                for b in 0..<B {
                    let row = b * T + t
                    let dhb = dhc.baseAddress! + b * H, dcb = dcc.baseAddress! + b * H
                    if dhs != nil { for j in 0..<H { dhr[j] = dhsp[row * H + j] + dhb[j] } } else { dhr.baseAddress!.update(from: dhb, count: H) }
                    if probe != nil { var s: Float = 0; for j in 0..<H { s += dhr[j] * dhr[j] }; stepNorms[t] += s }
                    if let m = maskP, m[row] == 0 {
                        dhb.update(from: dhr.baseAddress!, count: H)   // state passed through unchanged
                        continue
                    }
                    let hp = t == 0 ? h0p.baseAddress! + b * H : hsp.baseAddress! + (row - 1) * H
                    let cp = !hasC ? zr.baseAddress! : (t == 0 ? c0p.baseAddress! + b * H : csp.baseAddress! + (row - 1) * H)
                    let cc = hasC ? csp.baseAddress! + row * H : zr.baseAddress!
                    if hasC { dcr.baseAddress!.update(from: dcb, count: H) }
                    cell.backwardRow(units: H, dh: dhr.baseAddress!, dc: hasC ? UnsafePointer(dcr.baseAddress!) : zr.baseAddress!,
                                     hPrev: hp, cPrev: cp, h: hsp.baseAddress! + row * H, c: cc, saved: sp.baseAddress! + row * S,
                                     dx: dxp.baseAddress! + row * GH, drec: shared ? scr.baseAddress! : drs.baseAddress! + row * GH,
                                     dhPrev: dhb, dcPrev: hasC ? dcb : scr.baseAddress!)
                }
                // dh_{t−1} += (drec_t · Rᵀ) ⊙ recurrentMask
                if let rm = rmaskP {
                    BLAS.sgemm(transA: false, transB: true, m: B, n: H, k: GH, a: drecBase + t * GH, lda: T * GH,
                               b: rp.baseAddress!, ldb: GH, beta: 0, c: tp.baseAddress!, ldc: H)
                    for i in 0..<(B * H) { dhc[i] += tp[i] * rm[i] }
                } else {
                    BLAS.sgemm(transA: false, transB: true, m: B, n: H, k: GH, a: drecBase + t * GH, lda: T * GH,
                               b: rp.baseAddress!, ldb: GH, beta: 1, c: dhc.baseAddress!, ldc: H)
                }
                if bpttSteps > 0 && t % bpttSteps == 0 && t > 0 {
                    for i in 0..<(B * H) { dhc[i] = 0 }
                    if hasC { for i in 0..<(B * H) { dcc[i] = 0 } }
                }
            }
            // H_prev (masked like the forward GEMM input) for dR in one GEMM.
            for b in 0..<B { for t in 0..<T {
                let src = t == 0 ? h0p.baseAddress! + b * H : hsp.baseAddress! + (b * T + t - 1) * H
                let dst = hpa.baseAddress! + (b * T + t) * H
                if let rm = rmaskP { for j in 0..<H { dst[j] = src[j] * rm[b * H + j] } } else { dst.update(from: src, count: H) }
            } }
            dR.withUnsafeMutableBufferPointer { drp in
                BLAS.sgemm(transA: true, transB: false, m: H, n: GH, k: B * T, a: hpa.baseAddress!, lda: H,
                           b: drecBase, ldb: GH, beta: 0, c: drp.baseAddress!, ldc: GH)
            }
            if needRecBias { dRecBias.withUnsafeMutableBufferPointer { db in
                for r in 0..<(B * T) { let src = drecBase + r * GH; for j in 0..<GH { db[j] += src[j] } }
            } }
        } } } } } } } } } } } } } } } } } } }
        probe?.recordGradients(layer: layerName, stepNorms.map { $0.squareRoot() })
        return Grads(dx: dx, dR: dR, dRecBias: dRecBias, dh0: dhCarry, dc0: dcCarry)
    }
}

/// Runs `body` with the elements of `t`, or with nil when there is no tensor.
@inline(__always)
func withOptionalBuffer<R>(_ t: Tensor?, _ body: (UnsafeBufferPointer<Float>?) throws -> R) rethrows -> R {
    guard let t else { return try body(nil) }
    return try t.withUnsafeBufferPointer { try body($0) }
}
