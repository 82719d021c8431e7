import COpenBLAS
import Tensors

/// Foundation figures: sgemm GFLOP/s at the sizes recurrent layers use, per-op overhead, and
/// elementwise throughput.
enum TensorBench {
    /// Best sgemm GFLOP/s for `[m×k]·[k×n]`.
    static func sgemmGFLOPs(m: Int, k: Int, n: Int, seconds: Double? = nil) -> Double {
        var g = SeededGenerator(seed: 1)
        let a = Tensor.randomUniform([m, k], using: &g)
        let b = Tensor.randomUniform([k, n], using: &g)
        var c = Tensor.zeros([m, n])
        let t = measure(minSeconds: seconds ?? (m * n * k > 100_000_000 ? 1.0 : 0.3), repeats: seconds == nil ? 3 : 1) {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(
                            transA: false, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                            b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return 2.0 * Double(m * n * k) / t / 1e9
    }

    /// sgemm `[n×n]·[n×n]` GFLOP/s with OpenBLAS's own threads (as many as Unroll's pool),
    /// for comparison: Unroll keeps OpenBLAS single-threaded and splits work itself.
    static func openBLASThreadedGFLOPs(n: Int, seconds: Double = 1) -> Double {
        var g = SeededGenerator(seed: 1)
        let a = Tensor.randomUniform([n, n], using: &g)
        let b = Tensor.randomUniform([n, n], using: &g)
        var c = Tensor.zeros([n, n])
        openblas_set_num_threads(Int32(BLAS.threadCount))
        defer { openblas_set_num_threads(1) }
        let t = measure(minSeconds: seconds, repeats: 1) {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, ap.baseAddress!,
                            Int32(n),
                            bp.baseAddress!, Int32(n), 0, cp.baseAddress!, Int32(n))
                    }
                }
            }
        }
        return 2.0 * Double(n * n * n) / t / 1e9
    }

    static func run() throws {
        print("## Tensor (BLAS threads: \(BLAS.threadCount))")
        print("| sgemm [m×k]·[k×n] | GFLOP/s |")
        print("|---|---|")
        for (m, k, n) in [(32, 128, 256), (3200, 128, 256), (32, 64, 256), (1024, 1024, 1024)] {
            print("| [\(m)×\(k)]·[\(k)×\(n)] | \(fmt(sgemmGFLOPs(m: m, k: k, n: n), 1)) |")
        }
        print(
            "| [1024×1024]·[1024×1024], OpenBLAS's own \(BLAS.threadCount) threads | \(fmt(openBLASThreadedGFLOPs(n: 1024), 1)) |"
        )
        var g = SeededGenerator(seed: 2)
        let a = Tensor.randomUniform([32, 64], using: &g)
        let b = Tensor.randomUniform([32, 64], using: &g)
        let tNoTape = try measure { _ = try a + b }
        let ag = a.requiringGrad()
        let bg = b.requiringGrad()
        let tTape = try measure { _ = try ag + bg }
        let tMatmul = try measure { _ = try Tensor.matmul(ag, Tensor.zeros([64, 256])) }
        print("")
        print("| tiny op | ns |")
        print("|---|---|")
        print("| add [32×64] + [32×64], no tape | \(fmt(tNoTape * 1e9, 0)) |")
        print("| add [32×64] + [32×64], recorded on tape | \(fmt(tTape * 1e9, 0)) |")
        print("| matmul [32×64]·[64×256] recorded (incl. zeros alloc) | \(fmt(tMatmul * 1e9, 0)) |")
        let big = Tensor.randomUniform([1 << 20], using: &g)
        let big2 = Tensor.randomUniform([1 << 20], using: &g)
        let tAdd = try measure { _ = try big + big2 }
        let tSig = measure { _ = big.sigmoid() }
        let tTanh = measure { _ = big.tanh() }
        print("")
        print("| elementwise on 2²⁰ floats | M elements/s | GB/s moved |")
        print("|---|---|---|")
        print("| add | \(fmt(Double(1 << 20) / tAdd / 1e6, 0)) | \(fmt(12.0 * Double(1 << 20) / tAdd / 1e9, 1)) |")
        print("| sigmoid | \(fmt(Double(1 << 20) / tSig / 1e6, 0)) | \(fmt(8.0 * Double(1 << 20) / tSig / 1e9, 1)) |")
        print("| tanh | \(fmt(Double(1 << 20) / tTanh / 1e6, 0)) | \(fmt(8.0 * Double(1 << 20) / tTanh / 1e9, 1)) |")
        print("")
        try orthogonal()
    }

    /// The orthogonal initializer (a recurrent kernel `[H, 4H]`) by LAPACK's QR and by the
    /// Gram–Schmidt fallback (`Tensor.orthogonalByLAPACK`); one call each, after one warm-up.
    static func orthogonal() throws {
        print("| orthogonal init | LAPACK QR ms | Gram–Schmidt ms | ratio |")
        print("|---|---|---|---|")
        defer { Tensor.orthogonalByLAPACK = true }
        for h in [64, 256, 512, 1024] {
            var ms: [Double] = []
            for byLAPACK in [true, false] {
                Tensor.orthogonalByLAPACK = byLAPACK
                var g = SeededGenerator(seed: 3)
                ms.append(
                    try measure(minSeconds: 0, repeats: 1, warmup: h <= 256 ? 1 : 0) {
                        _ = try Tensor.orthogonal([h, 4 * h], using: &g)
                    } * 1e3)
            }
            print("| [\(h), \(4 * h)] | \(fmt(ms[0], 1)) | \(fmt(ms[1], 1)) | \(fmt(ms[1] / ms[0], 1))× |")
        }
        print("")
    }
}
