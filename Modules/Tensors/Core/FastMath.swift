/// Branch-free exp, sigmoid and tanh that the compiler can vectorise (glibc's `tanhf` runs at
/// ~60 M values/s here, far too slow for a recurrent time loop).
///
/// `exp`: `eˣ = 2ⁿ · e^r` with `n = round(x·log₂e)`, `r = x − n·ln2` (Cody–Waite split), and a
/// degree-6 polynomial for `e^r` on `|r| ≤ ln2/2`; relative error below 3e-7 (tested against
/// glibc). NaN propagates; inputs are clamped to `[−87.3, 88.3]` (no overflow to ∞).
public enum FastMath {
    @inlinable @inline(__always)
    public static func exp(_ xIn: Float) -> Float {
        var x = xIn > 88.3 ? 88.3 : xIn
        x = x < -87.3 ? -87.3 : x
        let shifter: Float = 12_582_912            // 1.5·2²³: adding it rounds to an integer
        let t = x * 1.442_695_04 + shifter
        let n = t - shifter
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: (t.bitPattern &- shifter.bitPattern &+ 127) << 23)
        return p * scale
    }

    /// `σ(x) = 1 / (1 + e^(−x))`.  σ′ = σ(1 − σ).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// `tanh(x)`: a Taylor polynomial for |x| < 0.15, `1 − 2/(e^(2x) + 1)` elsewhere.  tanh′ = 1 − tanh².
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let x2 = x * x
        let small = x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315))))
        let large = 1 - 2 / (exp(2 * x) + 1)
        return (x < 0.15 && x > -0.15) ? small : large
    }
}
