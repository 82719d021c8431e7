// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (H, the number of units, is the name of the cell equations in RecurrentKernel's documentation.)
import CKernels
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
    public var gateSlots: [GateSlot] {
        [
            GateSlot(name: "input", slot: 0, kind: .sigmoid), GateSlot(name: "forget", slot: 1, kind: .sigmoid),
            GateSlot(name: "candidate", slot: 2, kind: .tanh), GateSlot(name: "output", slot: 3, kind: .sigmoid),
        ]
    }

    /// The step runs in `unroll_lstm_forward_row` (Modules/CKernels: built for AVX-512, AVX2 and
    /// baseline x86-64): the same loops as the equations above, in that order.
    @inline(__always)
    public func forwardRow(
        units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>
    ) {
        unroll_lstm_forward_row(H, x, rec, cPrev, h, c, saved)  // saved = [i f g o]
    }

    @inline(__always)
    public func backwardRow(
        units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>
    ) {
        unroll_lstm_backward_row(H, dh, dc, cPrev, c, saved, dx, dcPrev)
        dhPrev.update(repeating: 0, count: H)
    }
}
