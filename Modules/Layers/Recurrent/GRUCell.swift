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

    @inline(__always)
    public func forwardRow(units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        for j in 0..<H {
            let z = FastMath.sigmoid(x[j] + rec[j])
            let r = FastMath.sigmoid(x[H + j] + rec[H + j])
            let rh = rec[2 * H + j]
            let n = FastMath.tanh(x[2 * H + j] + r * rh)
            h[j] = z * hPrev[j] + (1 - z) * n
            saved[j] = z; saved[H + j] = r; saved[2 * H + j] = n; saved[3 * H + j] = rh
        }
    }

    @inline(__always)
    public func backwardRow(units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                     dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>) {
        for j in 0..<H {
            let z = saved[j], r = saved[H + j], n = saved[2 * H + j], rh = saved[3 * H + j]
            let dz = dh[j] * (hPrev[j] - n)
            let dnPre = dh[j] * (1 - z) * (1 - n * n)
            let drPre = dnPre * rh * r * (1 - r)
            let dzPre = dz * z * (1 - z)
            dx[j] = dzPre; drec[j] = dzPre
            dx[H + j] = drPre; drec[H + j] = drPre
            dx[2 * H + j] = dnPre; drec[2 * H + j] = dnPre * r
            dhPrev[j] = dh[j] * z
        }
    }
}
