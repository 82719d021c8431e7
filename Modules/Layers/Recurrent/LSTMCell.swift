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
    public var gateSlots: [GateSlot] { [GateSlot(name: "input", slot: 0, kind: .sigmoid), GateSlot(name: "forget", slot: 1, kind: .sigmoid), GateSlot(name: "candidate", slot: 2, kind: .tanh), GateSlot(name: "output", slot: 3, kind: .sigmoid)] }

    /// Written as short loops over one or two arrays each, so the compiler vectorises them
    /// (one loop touching seven pointers does not vectorise: they might alias).
    @inline(__always)
    public func forwardRow(units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        let g = saved                                          // [i f g o], computed in place
        for k in 0..<(4 * H) { g[k] = x[k] + rec[k] }
        for k in 0..<(2 * H) { g[k] = FastMath.sigmoid(g[k]) }
        for k in (2 * H)..<(3 * H) { g[k] = FastMath.tanh(g[k]) }
        for k in (3 * H)..<(4 * H) { g[k] = FastMath.sigmoid(g[k]) }
        for j in 0..<H { c[j] = g[H + j] * cPrev[j] + g[j] * g[2 * H + j] }
        for j in 0..<H { h[j] = FastMath.tanh(c[j]) }
        for j in 0..<H { h[j] *= g[3 * H + j] }
    }

    @inline(__always)
    public func backwardRow(units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                     dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>) {
        let i = saved, f = saved + H, g = saved + 2 * H, o = saved + 3 * H
        let dI = dx, dF = dx + H, dG = dx + 2 * H, dO = dx + 3 * H
        for j in 0..<H { dO[j] = FastMath.tanh(c[j]) }                                  // τ, kept in dO for now
        for j in 0..<H { dcPrev[j] = dc[j] + dh[j] * o[j] * (1 - dO[j] * dO[j]) }      // dC (total), in dcPrev for now
        for j in 0..<H { dO[j] = dh[j] * dO[j] * o[j] * (1 - o[j]) }
        for j in 0..<H { dI[j] = dcPrev[j] * g[j] * i[j] * (1 - i[j]) }
        for j in 0..<H { dF[j] = dcPrev[j] * cPrev[j] * f[j] * (1 - f[j]) }
        for j in 0..<H { dG[j] = dcPrev[j] * i[j] * (1 - g[j] * g[j]) }
        for j in 0..<H { dcPrev[j] *= f[j] }
        dhPrev.update(repeating: 0, count: H)
    }
}
