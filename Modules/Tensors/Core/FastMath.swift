import CKernels

/// Branch-free exp, sigmoid and tanh (glibc's `tanhf` runs at ~60 M values/s here, far too slow
/// for a recurrent time loop). The one implementation is in `Modules/CKernels/kernels.c`, built
/// for AVX-512, AVX2+FMA and baseline x86-64 and chosen at load time; the array forms below are
/// what hot loops call, the scalar forms are for the odd single value.
///
/// `exp`: `eˣ = 2ⁿ · e^r` with `n = round(x·log₂e)`, `r = x − n·ln2` (Cody–Waite split), and a
/// degree-6 polynomial for `e^r` on `|r| ≤ ln2/2`; relative error below 3e-7 (tested against
/// glibc). NaN propagates; inputs are clamped to `[−87.3, 88.3]` (no overflow to ∞).
/// `σ(x) = 1 / (1 + e^(−x))`, σ′ = σ(1 − σ). `tanh`: a Taylor polynomial for |x| < 0.15,
/// `1 − 2/(e^(2x) + 1)` elsewhere; tanh′ = 1 − tanh².
///
/// ```swift
/// FastMath.sigmoid(0)                       // 0.5
/// FastMath.tanh(buffer.baseAddress!, count: 64)   // in place
/// ```
public enum FastMath {
    /// `e^x` of one value.
    public static func exp(_ x: Float) -> Float {
        var v = x
        unroll_vexp(&v, 1)
        return v
    }
    /// `σ(x)` of one value.
    public static func sigmoid(_ x: Float) -> Float {
        var v = x
        unroll_vsigmoid(&v, 1)
        return v
    }
    /// `tanh(x)` of one value.
    public static func tanh(_ x: Float) -> Float {
        var v = x
        unroll_vtanh(&v, 1)
        return v
    }

    /// `x[i] = e^x[i]` for `count` values, in place.
    @inline(__always) public static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) { unroll_vexp(x, count) }
    /// `x[i] = σ(x[i])` for `count` values, in place.
    @inline(__always) public static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        unroll_vsigmoid(x, count)
    }
    /// `x[i] = tanh(x[i])` for `count` values, in place.
    @inline(__always) public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) { unroll_vtanh(x, count) }
}
