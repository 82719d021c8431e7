import Tensors

/// LSTM cell, Keras gate order `i, f, c̃, o` (blocks of H in `x` and `rec`):
/// ```
/// i = σ(x_i + r_i)   f = σ(x_f + r_f)   g = tanh(x_g + r_g)   o = σ(x_o + r_o)
/// c_t = f ⊙ c_{t−1} + i ⊙ g          h_t = o ⊙ tanh(c_t)
/// ```
/// Backward (τ = tanh c_t): `do = dh⊙τ`, `dc = dc_next + dh⊙o⊙(1−τ²)`, `di = dc⊙g`, `dg = dc⊙i`,
/// `df = dc⊙c_{t−1}`, `dc_{t−1} = dc⊙f`; pre-activations: `di·i(1−i)`, `df·f(1−f)`, `dg·(1−g²)`, `do·o(1−o)`.
/// Saved per step: `i, f, g, o`; `c_t` is kept by the kernel, τ is recomputed.
public struct LSTMCell: RecurrentCell {
    public init() {}
    public var gates: Int { 4 }
    public var savedSlots: Int { 4 }
    public var hasCellState: Bool { true }
    public var recurrentIsPreactivation: Bool { true }

    @inline(__always)
    public func forwardRow(units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        for j in 0..<H {
            let i = FastMath.sigmoid(x[j] + rec[j])
            let f = FastMath.sigmoid(x[H + j] + rec[H + j])
            let g = FastMath.tanh(x[2 * H + j] + rec[2 * H + j])
            let o = FastMath.sigmoid(x[3 * H + j] + rec[3 * H + j])
            let cn = f * cPrev[j] + i * g
            c[j] = cn
            h[j] = o * FastMath.tanh(cn)
            saved[j] = i; saved[H + j] = f; saved[2 * H + j] = g; saved[3 * H + j] = o
        }
    }

    @inline(__always)
    public func backwardRow(units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                     dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>) {
        for j in 0..<H {
            let i = saved[j], f = saved[H + j], g = saved[2 * H + j], o = saved[3 * H + j]
            let tc = FastMath.tanh(c[j])
            let dO = dh[j] * tc
            let dC = dc[j] + dh[j] * o * (1 - tc * tc)
            dx[j] = dC * g * i * (1 - i)
            dx[H + j] = dC * cPrev[j] * f * (1 - f)
            dx[2 * H + j] = dC * i * (1 - g * g)
            dx[3 * H + j] = dO * o * (1 - o)
            dcPrev[j] = dC * f
            dhPrev[j] = 0
        }
    }
}
