import Tensors

/// GRU cell as Keras's default (`reset_after: true`), gate order `z, r, h̃`:
/// ```
/// z = σ(x_z + r_z)   r = σ(x_r + r_r)   n = tanh(x_h + r ⊙ r_h)   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ n
/// ```
/// where `r_• = h_{t−1}·U_• + b_rec,•` (the recurrent bias sits inside the reset gate's product).
/// Backward: `dz = dh⊙(h_{t−1} − n)`, `dn = dh⊙(1−z)`, direct `dh_{t−1} = dh⊙z`;
/// `dn_pre = dn⊙(1−n²)` goes to `x_h`, `dn_pre⊙r` to `r_h`; `dr = dn_pre⊙r_h`;
/// `dz_pre = dz⊙z(1−z)`, `dr_pre = dr⊙r(1−r)` go to both `x` and `rec`.
/// Saved per step: `z, r, n, r_h`.
public struct GRUCell: RecurrentCell {
    public init() {}
    public var gates: Int { 3 }
    public var savedSlots: Int { 4 }
    public var hasCellState: Bool { false }
    public var recurrentIsPreactivation: Bool { false }
    public var gateSlots: [GateSlot] { [GateSlot(name: "update", slot: 0, kind: .sigmoid), GateSlot(name: "reset", slot: 1, kind: .sigmoid), GateSlot(name: "candidate", slot: 2, kind: .tanh)] }

    @inline(__always)
    public func forwardRow(units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        let s = saved                                          // [z r n r_h], short vectorisable loops
        for k in 0..<(2 * H) { s[k] = x[k] + rec[k] }
        FastMath.sigmoid(s, count: 2 * H)
        for j in 0..<H { s[3 * H + j] = rec[2 * H + j] }
        for j in 0..<H { s[2 * H + j] = x[2 * H + j] + s[H + j] * s[3 * H + j] }
        FastMath.tanh(s + 2 * H, count: H)
        for j in 0..<H { h[j] = s[j] * hPrev[j] + (1 - s[j]) * s[2 * H + j] }
    }

    @inline(__always)
    public func backwardRow(units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                     dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>) {
        let z = saved, r = saved + H, n = saved + 2 * H, rh = saved + 3 * H
        let dZ = dx, dR = dx + H, dN = dx + 2 * H
        for j in 0..<H { dN[j] = dh[j] * (1 - z[j]) * (1 - n[j] * n[j]) }              // ∂/∂(x_h + r⊙r_h)
        for j in 0..<H { dZ[j] = dh[j] * (hPrev[j] - n[j]) * z[j] * (1 - z[j]) }
        for j in 0..<H { dR[j] = dN[j] * rh[j] * r[j] * (1 - r[j]) }
        for j in 0..<H { dhPrev[j] = dh[j] * z[j] }
        drec.update(from: dx, count: 2 * H)                                           // z and r enter as x + rec
        for j in 0..<H { drec[2 * H + j] = dN[j] * r[j] }
    }
}
