import Tensors

/// Elman cell: `h_t = f(x_t·W + h_{t−1}·U + b)` with `f` = tanh, relu or sigmoid.
/// Backward: `dpre = dh ⊙ f′`, with `f′` from the output: tanh `1−h²`, sigmoid `h(1−h)`, relu `[h>0]`.
public struct SimpleRNNCell: RecurrentCell {
    public let activation: ActivationKind
    public init(activation: ActivationKind) { self.activation = activation }
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
    public func forwardRow(units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        switch activation {
        case .tanh: for j in 0..<H { h[j] = x[j] + rec[j] }; FastMath.tanh(h, count: H)
        case .sigmoid: for j in 0..<H { h[j] = x[j] + rec[j] }; FastMath.sigmoid(h, count: H)
        case .relu: for j in 0..<H { let v = x[j] + rec[j]; h[j] = v > 0 ? v : 0 }
        case .linear, .softmax: for j in 0..<H { h[j] = x[j] + rec[j] }
        }
    }

    @inline(__always)
    public func backwardRow(units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                     dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>) {
        switch activation {
        case .tanh: for j in 0..<H { dx[j] = dh[j] * (1 - h[j] * h[j]) }
        case .sigmoid: for j in 0..<H { dx[j] = dh[j] * h[j] * (1 - h[j]) }
        case .relu: for j in 0..<H { dx[j] = h[j] > 0 ? dh[j] : 0 }
        case .linear, .softmax: for j in 0..<H { dx[j] = dh[j] }
        }
        for j in 0..<H { dhPrev[j] = 0 }
    }
}
