import COpenBLAS
import Layers
import Optimizers
import Tensors
import Training

/// Where model (a)'s training step goes: its GEMMs alone (`shapes`), the step split into
/// phases (`phases`), and the per-step products in OpenBLAS against
/// `BLAS.sgemmTiled` (`tiled`). See docs/benchmarks.md.
enum ShapeBench {
    static func report(_ name: String, flops: Double, _ body: () -> Void) {
        let t = measure(minSeconds: 0.3, repeats: 3, warmup: 3, body)
        print("| \(name) | \(fmt(t * 1e3, 3)) | \(fmt(flops / t / 1e9, 1)) |")
    }

    static func filled(_ n: Int) -> [Float] { (0..<n).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 } }

    /// Model (a)'s six GEMMs (batch 32, T 100, E 128, H 64), each as the training step runs it.
    static func shapes() {
        let (B, T, E, H) = (32, 100, 128, 64)
        let (G, parts) = (4 * H, ComputePool.shared.threadCount)
        let x = filled(B * T * E)
        let w = filled(E * G)
        let xp = filled(B * T * G)
        let r = filled(H * G)
        let hs = filled(B * T * H)
        let rt = (0..<(G * H)).map { i in r[(i % H) * G + i / H] }
        var out = filled(B * T * G)
        var dw = filled(E * G)
        let big = 2.0 * Double(B * T * E * G)
        let rec = 2.0 * Double(B * T * H * G)
        print("## Model (a)'s GEMMs alone (threads: \(parts))")
        print("| product | ms | GFLOP/s |")
        print("|---|---|---|")
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                xp.withUnsafeBufferPointer { xpb in
                    r.withUnsafeBufferPointer { rb in
                        rt.withUnsafeBufferPointer { rtb in
                            hs.withUnsafeBufferPointer { hb in
                                out.withUnsafeMutableBufferPointer { ob in
                                    dw.withUnsafeMutableBufferPointer { dwb in
                                        let (X, W, XP, R, RT, HS) = (
                                            xb.baseAddress!, wb.baseAddress!, xpb.baseAddress!, rb.baseAddress!,
                                            rtb.baseAddress!, hb.baseAddress!
                                        )
                                        let (O, DW) = (ob.baseAddress!, dwb.baseAddress!)
                                        report("input projection [3200×128]·[128×256]", flops: big) {
                                            BLAS.sgemm(
                                                transA: false, transB: false, m: B * T, n: G, k: E, a: X, lda: E, b: W,
                                                ldb: G, c: O, ldc: G)
                                        }
                                        report("dx [3200×256]·Wᵀ", flops: big) {
                                            BLAS.sgemm(
                                                transA: false, transB: true, m: B * T, n: E, k: G, a: XP, lda: G, b: W,
                                                ldb: G, c: O, ldc: E)
                                        }
                                        report("dW Xᵀ·[3200×256]", flops: big) {
                                            BLAS.sgemm(
                                                transA: true, transB: false, m: E, n: G, k: B * T, a: X, lda: E, b: XP,
                                                ldb: G, c: DW, ldc: G)
                                        }
                                        report("dR H_prevᵀ·[3200×256]", flops: rec) {
                                            BLAS.sgemm(
                                                transA: true, transB: false, m: H, n: G, k: B * T, a: HS, lda: H, b: XP,
                                                ldb: G, c: DW, ldc: G)
                                        }
                                        var partial = [Float](repeating: 0, count: 2 * H * G)
                                        // [H, B·T]
                                        let hT = (0..<(H * B * T)).map { i in hs[(i % (B * T)) * H + i / (B * T)] }
                                        let hTb = (0..<(B * H * T)).map { i in  // per batch row [H, T]
                                            let (b, rem) = (i / (H * T), i % (H * T))
                                            return hs[(b * T + rem % T) * H + rem / T]
                                        }
                                        partial.withUnsafeMutableBufferPointer { pb in
                                            hT.withUnsafeBufferPointer { htb in
                                                hTb.withUnsafeBufferPointer { htbb in
                                                    let partials = pb.baseAddress!
                                                    report("dR, k split in 2 (partials summed)", flops: rec) {
                                                        ComputePool.shared.run(parts: 2) { p in
                                                            let k0 = p * B * T / 2
                                                            cblas_sgemm(
                                                                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(H),
                                                                Int32(G), Int32(B * T / 2), 1, HS + k0 * H, Int32(H),
                                                                XP + k0 * G, Int32(G), 0, partials + p * H * G, Int32(G)
                                                            )
                                                        }
                                                        for i in 0..<(H * G) {
                                                            DW[i] = partials[i] + partials[H * G + i]
                                                        }
                                                    }
                                                    report("dR, H_prev stored transposed (nn)", flops: rec) {
                                                        BLAS.sgemm(
                                                            transA: false, transB: false, m: H, n: G, k: B * T,
                                                            a: htb.baseAddress!, lda: B * T, b: XP, ldb: G, c: DW,
                                                            ldc: G)
                                                    }
                                                    report(
                                                        "dR, per batch row tiled (k = T), partials summed", flops: rec
                                                    ) {
                                                        ComputePool.shared.run(parts: 2) { p in
                                                            let rows = ComputePool.range(part: p, of: 2, total: B)
                                                            for b in rows {
                                                                BLAS.sgemmTiled(
                                                                    m: H, n: G, k: T, a: htbb.baseAddress! + b * H * T,
                                                                    lda: T, b: XP + b * T * G, ldb: G,
                                                                    beta: b == rows.lowerBound ? 0 : 1,
                                                                    c: partials + p * H * G, ldc: G)
                                                            }
                                                        }
                                                        for i in 0..<(H * G) {
                                                            DW[i] = partials[i] + partials[H * G + i]
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                        report("dx then dW, each split over the threads", flops: 2 * big) {
                                            BLAS.sgemm(
                                                transA: false, transB: true, m: B * T, n: E, k: G, a: XP, lda: G, b: W,
                                                ldb: G, c: O, ldc: E)
                                            BLAS.sgemm(
                                                transA: true, transB: false, m: E, n: G, k: B * T, a: X, lda: E, b: XP,
                                                ldb: G, c: DW, ldc: G)
                                        }
                                        report("dx ∥ dW, one thread each", flops: 2 * big) {
                                            ComputePool.shared.run(parts: 2) { p in
                                                if p == 0 {
                                                    cblas_sgemm(
                                                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B * T), Int32(E),
                                                        Int32(G), 1, XP, Int32(G), W, Int32(G), 0, O, Int32(E))
                                                } else {
                                                    cblas_sgemm(
                                                        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(E), Int32(G),
                                                        Int32(B * T), 1, X, Int32(E), XP, Int32(G), 0, DW, Int32(G))
                                                }
                                            }
                                        }
                                        func steps(_ name: String, _ step: @escaping (Range<Int>, Int) -> Void) {
                                            report(name, flops: rec) {
                                                ComputePool.shared.run(parts: parts) { p in
                                                    let rows = ComputePool.range(part: p, of: parts, total: B)
                                                    for t in 0..<T { step(rows, t) }
                                                }
                                            }
                                        }
                                        steps("100 steps h·R, OpenBLAS") { rows, t in
                                            BLAS.sgemm(
                                                transA: false, transB: false, m: rows.count, n: G, k: H,
                                                a: HS + rows.lowerBound * T * H + t * H, lda: T * H,
                                                b: R, ldb: G, c: O + rows.lowerBound * G, ldc: G)
                                        }
                                        steps("100 steps h·R, tiled") { rows, t in
                                            BLAS.sgemmTiled(
                                                m: rows.count, n: G, k: H, a: HS + rows.lowerBound * T * H + t * H,
                                                lda: T * H, b: R, ldb: G,
                                                c: O + rows.lowerBound * G, ldc: G)
                                        }
                                        steps("100 steps drec·Rᵀ, OpenBLAS (transposed B)") { rows, t in
                                            BLAS.sgemm(
                                                transA: false, transB: true, m: rows.count, n: H, k: G,
                                                a: XP + rows.lowerBound * T * G + t * G, lda: T * G,
                                                b: R, ldb: G, beta: 1, c: O + rows.lowerBound * H, ldc: H)
                                        }
                                        steps("100 steps drec·Rᵀ, tiled (Rᵀ copied)") { rows, t in
                                            BLAS.sgemmTiled(
                                                m: rows.count, n: H, k: G, a: XP + rows.lowerBound * T * G + t * G,
                                                lda: T * G, b: RT, ldb: H,
                                                beta: 1, c: O + rows.lowerBound * H, ldc: H)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        print("")
    }

    /// A chain benchmark model's training step (`index` into `RNNBench.cases()`; 0 is (a)) split into
    /// each layer's forward, the loss, listing the parameters, backward, the gradient norm and
    /// Adam: mean ms over 150 steps after 10.
    static func phases(index: Int = 0) throws {
        let all = try RNNBench.cases()
        guard index < all.count else { return print("no benchmark model \(index) here") }
        let c = all[index]
        let model = try c.build()
        guard model.isChain else { return print("phases times chains of layers only; \(c.name) is a graph") }
        let opt = Adam()
        var total = [String: Double]()
        var order: [String] = []
        for step in 0..<160 {
            var t = now()
            func lap(_ key: String) {
                let u = now()
                if step == 0 { order.append(key) }
                if step >= 10 { total[key, default: 0] += u - t }
                t = u
            }
            let params = model.trainableParameters
            lap("trainable parameters")
            // As in `Trainer.trainStep`: the graph is released before the optimizer writes.
            let grads = try { () throws -> [Tensor] in
                var ctx = ForwardContext(training: true, seed: UInt64(step))
                var (h, y) = c.batch(step)
                for l in model.layers {
                    h = try l.forward(h, context: &ctx)
                    lap("forward \(l.name)")
                }
                let loss = try c.loss(h, y, mask: ctx.mask)
                lap("loss")
                let g = try gradients(of: loss, wrt: params.map(\.parameter.value))
                lap("backward")
                return g
            }()
            _ = GradientClipping.globalNorm(grads)
            lap("gradient norm")
            try opt.step(params, gradients: grads)
            lap("Adam")
        }
        print("## \(c.name): the step by phase (mean of 150 steps, ms)")
        print("| phase | ms |")
        print("|---|---|")
        for key in order { print("| \(key) | \(fmt(total[key, default: 0] * 1e3 / 150, 3)) |") }
        print("")
    }

    /// The recurrent layers' per-step product shapes on one thread through the tiled kernel,
    /// prefetching B's rows 0, 2, 3, 4 and 6 rows ahead (`BLAS.tiledPrefetchRows`).
    static func prefetch() {
        let distances = [0, 2, 3, 4, 6]
        print(
            "## Tiled per-step products on one thread by prefetch distance (50 calls, best of 5 alternating rounds, GFLOP/s)"
        )
        print("| A·B | " + distances.map { "\($0) rows ahead" }.joined(separator: " | ") + " |")
        print("|---|" + String(repeating: "---|", count: distances.count))
        let saved = BLAS.tiledPrefetchRows
        defer { BLAS.tiledPrefetchRows = saved }
        for (m, k, n) in [
            (16, 64, 256), (16, 256, 64), (16, 100, 112), (16, 128, 128), (16, 256, 1024), (16, 1024, 256),
        ] {
            let a = filled(m * k)
            let b = filled(k * n)
            var c = [Float](repeating: 0, count: m * n)
            var best = [Double](repeating: .infinity, count: distances.count)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        for _ in 0..<5 {
                            for (i, d) in distances.enumerated() {
                                BLAS.tiledPrefetchRows = d
                                best[i] = min(
                                    best[i],
                                    measure(minSeconds: 0.05, repeats: 1, warmup: 1) {
                                        for _ in 0..<50 {
                                            BLAS.sgemmTiled(
                                                m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!,
                                                ldb: n, c: cp.baseAddress!, ldc: n)
                                        }
                                    })
                            }
                        }
                    }
                }
            }
            let f = 2.0 * Double(m * n * k) * 50 / 1e9
            print("| [\(m)×\(k)]·[\(k)×\(n)] | " + best.map { fmt(f / $0, 1) }.joined(separator: " | ") + " |")
        }
        print("")
    }

    /// One thread, alternating rounds: OpenBLAS against `BLAS.sgemmTiled` on small products; the
    /// rows "B's rows … apart" store B with 16 spare floats per row (L1 set conflicts, see
    /// docs/benchmarks-history.md, seventh session).
    static func tiled() {
        print(
            "## Small products on one thread: OpenBLAS against the tiled kernel (50 calls, best of 5 alternating rounds)"
        )
        print("| A·B | OpenBLAS GFLOP/s | tiled GFLOP/s | ratio |")
        print("|---|---|---|---|")
        for (m, k, n, pad) in [
            (16, 64, 256, 0), (16, 64, 256, 16), (16, 256, 64, 0), (16, 256, 64, 16), (16, 100, 100, 0),
            (16, 100, 400, 0), (1, 64, 256, 0), (16, 256, 1024, 0), (16, 256, 1024, 16), (16, 1024, 256, 0),
            (16, 1024, 256, 16), (16, 100, 112, 0), (16, 100, 304, 0), (16, 300, 112, 0),
        ] {
            let ldb = n + pad
            let a = filled(m * k)
            let b = filled(k * ldb)
            var c = [Float](repeating: 0, count: m * n)
            var tb = Double.infinity
            var tt = Double.infinity
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let (A, B, C) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                        for _ in 0..<5 {
                            tb = min(
                                tb,
                                measure(minSeconds: 0.05, repeats: 1, warmup: 1) {
                                    for _ in 0..<50 {
                                        cblas_sgemm(
                                            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                            A, Int32(k), B, Int32(ldb), 1, C, Int32(n))
                                    }
                                })
                            tt = min(
                                tt,
                                measure(minSeconds: 0.05, repeats: 1, warmup: 1) {
                                    for _ in 0..<50 {
                                        BLAS.sgemmTiled(
                                            m: m, n: n, k: k, a: A, lda: k, b: B, ldb: ldb, beta: 1, c: C, ldc: n)
                                    }
                                })
                        }
                    }
                }
            }
            let f = 2.0 * Double(m * n * k) * 50 / 1e9
            print(
                "| [\(m)×\(k)]·[\(k)×\(n)]\(pad > 0 ? ", B's rows \(ldb) apart" : "") | \(fmt(f / tb, 1)) | \(fmt(f / tt, 1)) | \(fmt(tb / tt, 2))× |"
            )
        }
        print("")
    }
}
