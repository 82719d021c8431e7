// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (H, the number of units, is the name of the cell equations in RecurrentKernel's documentation.)
import CKernels
import Tensors

/// Elman cell: `h_t = f(x_t·W + h_{t−1}·U + b)` with `f` = tanh, relu or sigmoid.
/// Backward: `dpre = dh ⊙ f′`, with `f′` from the output: tanh `1−h²`, sigmoid `h(1−h)`, relu `[h>0]`.
/// Both run in `CKernels` (`unroll_rnn_forward_row`, `unroll_rnn_backward_row`).
public struct SimpleRNNCell: RecurrentCell {
    public let activation: ActivationKind
    /// The activation as `CKernels`' code (the layer accepts tanh, relu and sigmoid; linear and softmax map to the identity).
    let code: Int32
    public init(activation: ActivationKind) {
        self.activation = activation
        switch activation {
        case .tanh: code = Int32(UNROLL_ACT_TANH)
        case .sigmoid: code = Int32(UNROLL_ACT_SIGMOID)
        case .relu: code = Int32(UNROLL_ACT_RELU)
        case .linear, .softmax: code = Int32(UNROLL_ACT_LINEAR)
        }
    }
    public var gates: Int { 1 }
    public var savedSlots: Int { 0 }
    public var hasCellState: Bool { false }
    public var recurrentIsPreactivation: Bool { true }
    public var gateSlots: [GateSlot] {
        switch activation {
        case .tanh: return [GateSlot(name: "hidden", slot: -1, kind: .tanh)]
        case .sigmoid: return [GateSlot(name: "hidden", slot: -1, kind: .sigmoid)]
        default: return []
        }
    }

    @inline(__always)
    public func forwardRow(
        units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>
    ) {
        unroll_rnn_forward_row(H, code, x, rec, h)
    }

    @inline(__always)
    public func backwardRow(
        units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>,
        h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>
    ) {
        unroll_rnn_backward_row(H, code, dh, h, dx)
        for j in 0..<H { dhPrev[j] = 0 }
    }
}
