// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (H, the number of units, is the name of the cell equations in RecurrentKernel's documentation.)
import CKernels
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
    public var gateSlots: [GateSlot] {
        [
            GateSlot(name: "update", slot: 0, kind: .sigmoid), GateSlot(name: "reset", slot: 1, kind: .sigmoid),
            GateSlot(name: "candidate", slot: 2, kind: .tanh),
        ]
    }

    /// The step runs in `unroll_gru_forward_row` / `unroll_gru_backward_row` (Modules/CKernels,
    /// one variant per instruction set): the loops of the equations above, in that order.
    @inline(__always)
    public func forwardRow(
        units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>
    ) {
        unroll_gru_forward_row(H, x, rec, hPrev, h, saved)  // saved = [z r n r_h]
    }

    @inline(__always)
    public func backwardRow(
        units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>
    ) {
        unroll_gru_backward_row(H, dh, hPrev, saved, dx, drec, dhPrev)
    }
}
