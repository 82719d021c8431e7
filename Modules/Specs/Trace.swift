import Foundation
import Layers
import Tensors
import Training

/// What `unroll trace` shows: each time step's input, every recurrent layer's pre-activation,
/// gates, cell and hidden state, and the output probabilities.
public struct Trace: Codable {
    public struct LayerStep: Codable {
        public var layer: String
        public var type: String
        /// The value inside the activation(s): `x·W + h·U + b` (per gate block for LSTM/GRU).
        public var preactivation: [Float]
        /// Gate activations by name (LSTM: input, forget, candidate, output; GRU: update, reset, candidate).
        public var gates: [String: [Float]]
        public var cell: [Float]?
        public var hidden: [Float]
    }
    public struct Step: Codable {
        public var step: Int
        public var input: String
        public var layers: [LayerStep]
        /// The model's output at this step (per-step models) and its probabilities by symbol.
        public var output: [Float]?
        public var probabilities: [Float]?
    }
    public var symbols: [String]
    public var steps: [Step]
    /// Output and probabilities of a many-to-one model (after the last step).
    public var finalOutput: [Float]?
    public var finalProbabilities: [Float]?
}

/// Runs a model on one sequence, step by step.
public enum Tracer {
    /// Traces `ids` (one sequence). Recurrent layers are recomputed from their parameters one
    /// step at a time — an independent reference — and checked against the fused kernel.
    public static func trace(model: Model, ids: [Int], inputs: [String], symbols: [String]) throws -> Trace {
        guard !ids.isEmpty else { throw TrainingError.invalid("trace needs at least one input step") }
        guard model.isChain else {
            throw TrainingError.invalid("trace follows chain models (a spec's model: list); \(model.name) is a graph")
        }
        var steps = inputs.enumerated().map {
            Trace.Step(step: $0.offset + 1, input: $0.element, layers: [], output: nil, probabilities: nil)
        }
        var h = try Tensor(shape: [1, ids.count], scalars: ids.map(Float.init))
        var ctx = ForwardContext(training: false)
        try withNoGrad {
            for layer in model.layers {
                let fused = try layer.forward(h, context: &ctx)
                guard let r = layer as? any RecurrentLayer else {
                    if layer is Bidirectional {
                        throw TrainingError.invalid("trace does not support Bidirectional layers (\(layer.name))")
                    }
                    h = fused
                    continue
                }
                let (rows, seq) = try reference(r, input: h)
                let check =
                    r.config.returnSequences
                    ? seq : try seq.slice(axis: 1, start: seq.shape[1] - 1, length: 1).reshaped([1, r.config.units])
                guard check.isClose(to: fused, tolerance: 1e-3) else {
                    throw TrainingError.invalid(
                        "\(layer.name): the step-by-step reference disagrees with the fused kernel")
                }
                for (t, row) in rows.enumerated() { steps[t].layers.append(row) }
                h = fused
            }
        }
        let last = model.layers.last
        let activation = (last as? Dense)?.config.activation ?? (last as? Activation)?.config.activation ?? .linear
        func probabilities(_ v: [Float]) throws -> [Float] {
            switch activation {
            case .softmax: return v
            case .sigmoid where v.count == 1: return [1 - v[0], v[0]]
            default:
                return v.count == 1
                    ? [1 - FastMath.sigmoid(v[0]), FastMath.sigmoid(v[0])] : try Tensor(v).softmax().scalars
            }
        }
        var out = Trace(symbols: symbols, steps: steps, finalOutput: nil, finalProbabilities: nil)
        if h.rank == 3 {
            for t in 0..<min(h.shape[1], out.steps.count) {
                let v = try h.slice(axis: 1, start: t, length: 1).scalars
                out.steps[t].output = v
                out.steps[t].probabilities = try probabilities(v)
            }
        } else {
            out.finalOutput = h.scalars
            out.finalProbabilities = try probabilities(h.scalars)
        }
        return out
    }

    /// One recurrent layer, step by step, from its parameters (h₀ = c₀ = 0, inference).
    static func reference(_ l: any RecurrentLayer, input: Tensor) throws -> ([Trace.LayerStep], Tensor) {
        let x = l.config.goBackwards ? try input.reversed(axis: 1) : input
        let (T, F, H) = (x.shape[1], x.shape[2], l.config.units)
        let W = l.kernel.value.scalars
        let R = l.recurrentKernel.value.scalars
        let b = l.bias.value.scalars
        let rb = l.recurrentBiasParameter?.value.scalars
        let G = W.count / (F * H)
        let xs = x.scalars
        var hPrev = [Float](repeating: 0, count: H)
        var c = [Float](repeating: 0, count: H)
        var rows: [Trace.LayerStep] = []
        var hs: [Float] = []
        func sig(_ v: Float) -> Float { 1 / (1 + Foundation.exp(-v)) }
        for t in 0..<T {
            var xw = b
            var hr = rb ?? [Float](repeating: 0, count: G * H)
            for k in 0..<(G * H) {
                for f in 0..<F { xw[k] += xs[t * F + f] * W[f * G * H + k] }
                for j in 0..<H { hr[k] += hPrev[j] * R[j * G * H + k] }
            }
            var step = Trace.LayerStep(
                layer: l.name, type: l.typeName, preactivation: [], gates: [:], cell: nil, hidden: [])
            var hNew = [Float](repeating: 0, count: H)
            switch l {
            case let s as SimpleRNN:
                let pre = (0..<H).map { xw[$0] + hr[$0] }
                step.preactivation = pre
                hNew = pre.map { v in
                    switch s.config.activation {
                    case .tanh: return Foundation.tanh(v)
                    case .sigmoid: return sig(v)
                    case .relu: return max(0, v)
                    default: return v
                    }
                }
            case is LSTM:
                let pre = (0..<(4 * H)).map { xw[$0] + hr[$0] }
                step.preactivation = pre
                let i = (0..<H).map { sig(pre[$0]) }
                let f = (0..<H).map { sig(pre[H + $0]) }
                let g = (0..<H).map { Foundation.tanh(pre[2 * H + $0]) }
                let o = (0..<H).map { sig(pre[3 * H + $0]) }
                for j in 0..<H {
                    c[j] = f[j] * c[j] + i[j] * g[j]
                    hNew[j] = o[j] * Foundation.tanh(c[j])
                }
                step.gates = ["input": i, "forget": f, "candidate": g, "output": o]
                step.cell = c
            case is GRU:
                let z = (0..<H).map { sig(xw[$0] + hr[$0]) }
                let r = (0..<H).map { sig(xw[H + $0] + hr[H + $0]) }
                let nPre = (0..<H).map { xw[2 * H + $0] + r[$0] * hr[2 * H + $0] }
                let n = nPre.map { Foundation.tanh($0) }
                for j in 0..<H { hNew[j] = z[j] * hPrev[j] + (1 - z[j]) * n[j] }
                step.preactivation = (0..<H).map { xw[$0] + hr[$0] } + (0..<H).map { xw[H + $0] + hr[H + $0] } + nPre
                step.gates = ["update": z, "reset": r, "candidate": n]
            default:
                throw TrainingError.invalid("trace does not know the cell of \(l.typeName)")
            }
            step.hidden = hNew
            hPrev = hNew
            hs += hNew
            rows.append(step)
        }
        return (rows, try Tensor(shape: [1, T, H], scalars: hs))
    }

    /// An aligned, human-readable table. Vectors longer than `maxValues` are shortened
    /// (first values, then `… (n values)`); nil shows everything.
    public static func render(_ t: Trace, maxSteps: Int? = nil, maxValues: Int? = 12) -> String {
        func v(_ a: [Float]) -> String {
            let shown = maxValues.map { Array(a.prefix($0)) } ?? a
            return "[" + shown.map { String(format: "%7.4f", $0) }.joined(separator: " ")
                + (shown.count < a.count ? "  … (\(a.count) values)" : "") + "]"
        }
        func probs(_ p: [Float]) -> String {
            var named = Array(zip(t.symbols.count == p.count ? t.symbols : p.indices.map(String.init), p))
            if let maxValues, named.count > maxValues { named = Array(named.sorted { $0.1 > $1.1 }.prefix(maxValues)) }  // the most likely ones
            return named.map { "\(display($0.0)) \(String(format: "%.4f", $0.1))" }.joined(separator: "  ")
        }
        var out = ""
        for s in t.steps.prefix(maxSteps ?? t.steps.count) {
            out += "step \(s.step)  input \(display(s.input))\n"
            for l in s.layers {
                out += "  \(l.layer) (\(l.type))\n"
                out += "    pre-activation  \(v(l.preactivation))\n"
                for g in l.gates.keys.sorted() {
                    out += "    \(g.padding(toLength: 15, withPad: " ", startingAt: 0)) \(v(l.gates[g]!))\n"
                }
                if let c = l.cell { out += "    cell            \(v(c))\n" }
                out += "    hidden          \(v(l.hidden))\n"
            }
            if let o = s.output {
                out += "  output          \(v(o))\n  probabilities   \(probs(s.probabilities ?? []))\n"
            }
        }
        if let o = t.finalOutput {
            out += "output            \(v(o))\nprobabilities     \(probs(t.finalProbabilities ?? []))\n"
        }
        return out
    }

    static func display(_ s: String) -> String {
        s == " " ? "' '" : s == "\n" ? "'\\n'" : "'\(s)'"
    }
}
