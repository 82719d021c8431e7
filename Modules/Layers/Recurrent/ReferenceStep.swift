import Foundation
import Tensors

/// One recurrent step for one sequence, as `unroll trace` shows it: the pre-activation, the
/// gates by name, the cell state (cells that have one) and the new hidden state `[units]`.
public struct ReferenceStep {
    /// The value inside the activation(s), per gate block (`x + rec`, GRU's candidate `x + r ⊙ rec`).
    public var preactivation: [Float]
    /// Gate activations by name (the cell's `gateSlots` names).
    public var gates: [String: [Float]]
    /// `c_t`, for cells with a cell state.
    public var cell: [Float]?
    /// `h_t`.
    public var hidden: [Float]
    public init(preactivation: [Float], gates: [String: [Float]], cell: [Float]?, hidden: [Float]) {
        (self.preactivation, self.gates, self.cell, self.hidden) = (preactivation, gates, cell, hidden)
    }
}

extension RecurrentCell {
    /// The step through the cell's own `forwardRow` (what a plugin cell gets without writing a
    /// reference): pre-activation `x + rec`, gates read from the saved slots its `gateSlots` name.
    public func referenceStep(units: Int, x: [Float], rec: [Float], hPrev: [Float], cPrev: [Float])
        -> ReferenceStep
    {
        var h = [Float](repeating: 0, count: units)
        var c = [Float](repeating: 0, count: units)
        var saved = [Float](repeating: 0, count: max(1, savedSlots) * units)
        forwardRow(units: units, x: x, rec: rec, hPrev: hPrev, cPrev: cPrev, h: &h, c: &c, saved: &saved)
        var gates: [String: [Float]] = [:]
        for g in gateSlots where g.slot >= 0 && g.slot < savedSlots {
            gates[g.name] = Array(saved[(g.slot * units)..<((g.slot + 1) * units)])
        }
        return ReferenceStep(
            preactivation: zip(x, rec).map { $0 + $1 }, gates: gates, cell: hasCellState ? c : nil, hidden: h)
    }
}

@inline(__always) func referenceSigmoid(_ v: Float) -> Float { 1 / (1 + Foundation.exp(-v)) }

extension SimpleRNNCell {
    /// `h_t = f(x + rec)`, written out (independent of the C kernel).
    public func referenceStep(units: Int, x: [Float], rec: [Float], hPrev: [Float], cPrev: [Float])
        -> ReferenceStep
    {
        let pre = (0..<units).map { x[$0] + rec[$0] }
        let h = pre.map { v -> Float in
            switch activation {
            case .tanh: return Foundation.tanh(v)
            case .sigmoid: return referenceSigmoid(v)
            case .relu: return max(0, v)
            case .linear, .softmax: return v
            }
        }
        return ReferenceStep(preactivation: pre, gates: [:], cell: nil, hidden: h)
    }
}

extension LSTMCell {
    /// The LSTM equations, written out (independent of the C kernel).
    public func referenceStep(units: Int, x: [Float], rec: [Float], hPrev: [Float], cPrev: [Float])
        -> ReferenceStep
    {
        let pre = (0..<(4 * units)).map { x[$0] + rec[$0] }
        let i = (0..<units).map { referenceSigmoid(pre[$0]) }
        let f = (0..<units).map { referenceSigmoid(pre[units + $0]) }
        let g = (0..<units).map { Foundation.tanh(pre[2 * units + $0]) }
        let o = (0..<units).map { referenceSigmoid(pre[3 * units + $0]) }
        let c = (0..<units).map { f[$0] * cPrev[$0] + i[$0] * g[$0] }
        let h = (0..<units).map { o[$0] * Foundation.tanh(c[$0]) }
        return ReferenceStep(
            preactivation: pre, gates: ["input": i, "forget": f, "candidate": g, "output": o], cell: c, hidden: h)
    }
}

extension GRUCell {
    /// The GRU equations (`reset_after`), written out (independent of the C kernel).
    public func referenceStep(units: Int, x: [Float], rec: [Float], hPrev: [Float], cPrev: [Float])
        -> ReferenceStep
    {
        let z = (0..<units).map { referenceSigmoid(x[$0] + rec[$0]) }
        let r = (0..<units).map { referenceSigmoid(x[units + $0] + rec[units + $0]) }
        let nPre = (0..<units).map { x[2 * units + $0] + r[$0] * rec[2 * units + $0] }
        let n = nPre.map { Foundation.tanh($0) }
        let h = (0..<units).map { z[$0] * hPrev[$0] + (1 - z[$0]) * n[$0] }
        return ReferenceStep(
            preactivation: (0..<units).map { x[$0] + rec[$0] } + (0..<units).map { x[units + $0] + rec[units + $0] }
                + nPre,
            gates: ["update": z, "reset": r, "candidate": n], cell: nil, hidden: h)
    }
}

/// A layer that runs recurrent layers inside it on its own input (Bidirectional's two
/// directions), so `trace` can follow each of them.
public protocol WrapsRecurrentLayers {
    /// The recurrent layers, each reading the wrapper's input.
    var wrappedRecurrentLayers: [any RecurrentLayer] { get }
}

extension Bidirectional: WrapsRecurrentLayers {
    public var wrappedRecurrentLayers: [any RecurrentLayer] { [forwardLayer, backwardLayer] }
}
