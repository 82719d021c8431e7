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
    /// A sequence-to-sequence model's decoding, one entry per output token.
    public var decoding: [DecodeStep]? = nil
    /// What the model could not read as given (a source longer than its `source_length`).
    public var note: String? = nil

    /// One decoding step: the token chosen, its probability, the most likely ones, and where
    /// each attention layer looked (a weight per source token, summing to 1).
    public struct DecodeStep: Codable {
        public var step: Int
        public var token: String
        public var probability: Float
        public var top: [String: Float]
        /// Attention layer name → weights over the source tokens.
        public var attention: [String: [Float]]
        public init(step: Int, token: String, probability: Float, top: [String: Float], attention: [String: [Float]]) {
            (self.step, self.token, self.probability, self.top, self.attention) = (
                step, token, probability, top, attention
            )
        }
    }
}

/// Runs a model on one sequence, step by step.
public enum Tracer {
    /// Traces `ids` (one sequence) through a chain or a graph. Every recurrent layer — a node's
    /// own, or each direction inside a wrapper (Bidirectional) — is recomputed from its
    /// parameters one step at a time through its cell's `referenceStep` (written out for the
    /// built-in cells, the cell's own step for plugin cells) and checked against the fused kernel.
    /// Steps are shown in input order (a backwards layer's rows too).
    public static func trace(model: Model, ids: [Int], inputs: [String], symbols: [String]) throws -> Trace {
        guard !ids.isEmpty else { throw TrainingError.invalid("trace needs at least one input step") }
        var steps = inputs.enumerated().map {
            Trace.Step(step: $0.offset + 1, input: $0.element, layers: [], output: nil, probabilities: nil)
        }
        let x = try Tensor(shape: [1, ids.count], scalars: ids.map(Float.init))
        var ctx = ForwardContext(training: false)
        let h = try withNoGrad { () -> Tensor in
            try model.forward(x, context: &ctx) { node, inputs, output in
                let layer = model.nodes[node].layer
                let recurrent: [(any RecurrentLayer, Tensor?)]
                let initial = Array(inputs.dropFirst())  // initial states handed over by earlier nodes
                if let r = layer as? any RecurrentLayer {
                    recurrent = [(r, output)]
                } else if let w = layer as? any WrapsRecurrentLayers {
                    recurrent = w.wrappedRecurrentLayers.map { ($0, nil) }
                } else {
                    return
                }
                for (r, fusedOutput) in recurrent {
                    var inner = ForwardContext(training: false)
                    let fused = try fusedOutput ?? r.call(inputs[0], initialState: nil, context: &inner).output
                    let (rows, seq) = try reference(r, input: inputs[0], initial: initial)
                    let check =
                        r.config.returnSequences
                        ? seq
                        : try seq.slice(axis: 1, start: seq.shape[1] - 1, length: 1).reshaped([1, r.config.units])
                    guard check.isClose(to: fused, tolerance: 1e-3) else {
                        throw TrainingError.invalid(
                            "\(r.name): the step-by-step reference disagrees with the fused kernel")
                    }
                    // Row k read input step k, or step T−1−k going backwards.
                    for (k, row) in rows.enumerated() where k < steps.count {
                        steps[r.config.goBackwards ? rows.count - 1 - k : k].layers.append(row)
                    }
                }
            }
        }
        let activation = model.nodes.last?.layer.outputActivation ?? .linear
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

    /// One recurrent layer, step by step, from its parameters (from the `initial` states `[h, c]`
    /// when given, else zeros; inference): the matrix products in plain loops, the pointwise
    /// step by the cell's `referenceStep`. Rows and the returned sequence `[1, T, H]` are in
    /// processing order.
    static func reference(_ l: any RecurrentLayer, input: Tensor, initial: [Tensor] = []) throws -> (
        [Trace.LayerStep], Tensor
    ) {
        let x = l.config.goBackwards ? try input.reversed(axis: 1) : input
        let (T, F, H) = (x.shape[1], x.shape[2], l.config.units)
        let w = l.kernel.value.scalars
        let r = l.recurrentKernel.value.scalars
        let b = l.bias.value.scalars
        let rb = l.recurrentBiasParameter?.value.scalars
        let g = w.count / (F * H)
        let xs = x.scalars
        let cell: any RecurrentCell = l.cell
        var hPrev = initial.first?.scalars ?? [Float](repeating: 0, count: H)
        var c = initial.count > 1 ? initial[1].scalars : [Float](repeating: 0, count: H)
        var rows: [Trace.LayerStep] = []
        var hs: [Float] = []
        for t in 0..<T {
            var xw = b
            var hr = rb ?? [Float](repeating: 0, count: g * H)
            for k in 0..<(g * H) {
                for f in 0..<F { xw[k] += xs[t * F + f] * w[f * g * H + k] }
                for j in 0..<H { hr[k] += hPrev[j] * r[j * g * H + k] }
            }
            let s = cell.referenceStep(units: H, x: xw, rec: hr, hPrev: hPrev, cPrev: c)
            rows.append(
                Trace.LayerStep(
                    layer: l.name, type: l.typeName, preactivation: s.preactivation, gates: s.gates, cell: s.cell,
                    hidden: s.hidden))
            hPrev = s.hidden
            c = s.cell ?? c
            hs += s.hidden
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
            // the most likely ones
            if let maxValues, named.count > maxValues { named = Array(named.sorted { $0.1 > $1.1 }.prefix(maxValues)) }
            return named.map { "\(display($0.0)) \(String(format: "%.4f", $0.1))" }.joined(separator: "  ")
        }
        var out = t.note.map { "note: \($0)\n" } ?? ""
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
        let source = t.steps.map(\.input)
        for d in t.decoding ?? [] {
            let top = d.top.sorted { $0.value > $1.value }.map {
                "\(display($0.key)) \(String(format: "%.4f", $0.value))"
            }
            out +=
                "decode \(d.step)  \(display(d.token)) \(String(format: "%.4f", d.probability))   (\(top.joined(separator: "  ")))\n"
            for (layer, w) in d.attention.sorted(by: { $0.key < $1.key }) {
                let shown = zip(source, w).map { "\(display($0)) \(String(format: "%.2f", $1))" }
                out += "  \(layer) over the source: \(shown.joined(separator: "  "))\n"
            }
        }
        return out
    }

    static func display(_ s: String) -> String {
        s == " " ? "' '" : s == "\n" ? "'\\n'" : "'\(s)'"
    }
}
