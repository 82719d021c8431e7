import Layers
import Tensors

/// Runs a graph one step of one input part at a time: incremental decoding. The nodes that do
/// not read the part (an encoder) run once, in `start`; each `step` then runs only the nodes that
/// do (a decoder) on one new step, recurrent ones continuing from the states their previous step
/// left. A decoder of T steps so costs T single steps instead of T runs over its whole prefix
/// (T²/2 steps) and T encoder runs.
///
/// It needs every node that reads the part to be `Stepping.pointwise` or `.recurrent` (see
/// `Layer.stepping`); otherwise `init` throws, saying which node, and callers re-run the whole
/// prefix instead. Rows may be reordered, dropped and repeated between steps (a beam search
/// keeps its best candidates): each step says which example (`rows`) and which row of the
/// previous step (`parents`) each of its rows continues.
///
/// Shapes: `start` takes the packed input `[examples, …]` (the stepped part's values are not
/// read); `step` takes the part's next step `[rows, 1, …]` and gives the model's output for it,
/// `[rows, 1, …]`.
///
/// ```swift
/// let s = try ModelStepper(model, part: "target_in")
/// try s.start(packedSources)                                   // the encoder, once
/// var y = try s.step(starts, rows: [0, 1], parents: nil)       // [2, 1, vocab]
/// y = try s.step(next, rows: [0, 0, 1], parents: [0, 0, 1])    // example 0 split in two
/// ```
public final class ModelStepper {
    public let model: Model
    /// The index of the stepped input part in `model.inputParts`.
    let part: Int
    /// Whether node i reads the stepped part (directly or through other nodes).
    let stepped: [Bool]
    /// The fixed nodes' outputs, masks and states for every example (from `start`).
    var fixed: [Int: (output: Tensor, mask: Tensor?, states: [Tensor])] = [:]
    /// The other input parts, sliced from `start`'s input.
    var parts: [Int: Tensor] = [:]
    /// The fixed values stepped nodes read (keyed by node and input), gathered for the current
    /// rows, and those rows.
    var gathered: [[Int]: (Tensor, Tensor?)] = [:]
    var gatheredRows: [Int] = []
    /// Each recurrent stepped node's states after the previous step, one row per row of that step.
    var carried: [Int: [Tensor]] = [:]
    /// The number of examples `start` read.
    public private(set) var examples = 0

    /// Why a model cannot be stepped.
    public struct CannotStep: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks that every node reading input part `name` can run one step at a time.
    public init(_ model: Model, part name: String) throws {
        guard let p = model.inputParts.firstIndex(where: { $0.name == name }) else {
            throw CannotStep(description: "the model has no input part '\(name)'")
        }
        self.model = model
        self.part = p
        var stepped: [Bool] = []
        for n in model.nodes {
            let reads = n.inputs.map { $0 == -2 - p || ($0 >= 0 && stepped[$0]) }
            if n.inputs.contains(-1) && !model.inputParts.isEmpty {
                throw CannotStep(description: "node \(n.name) reads the whole packed input")
            }
            stepped.append(reads.contains(true))
            guard reads.contains(true) else { continue }
            let what = "node \(n.name) (\(n.layer.typeName))"
            for (i, (k, port)) in zip(n.inputs, n.inputPorts).enumerated() where reads[i] && k >= 0 && port > 0 {
                throw CannotStep(
                    description: "\(what) reads a state of \(model.nodes[k].name), which changes every step")
            }
            switch n.layer.stepping {
            case .whole:
                throw CannotStep(description: "\(what) needs its whole input sequence")
            case .pointwise(let allowed):
                if let allowed, let i = reads.indices.first(where: { reads[$0] && !allowed.contains($0) }) {
                    throw CannotStep(
                        description: "\(what) reads its input \(i) whole, and that input changes every step")
                }
            case .recurrent:
                guard n.layer is any ProducesStates, !n.stateNames.isEmpty, reads[0], !reads.dropFirst().contains(true)
                else {
                    throw CannotStep(
                        description: "\(what) must step its sequence and take fixed initial states, and give its states"
                    )
                }
            }
        }
        guard stepped.last == true else {
            throw CannotStep(description: "the model's output does not read '\(name)'")
        }
        self.stepped = stepped
    }

    /// Runs the nodes that do not read the stepped part on the packed input `x` `[examples, …]`.
    public func start(_ x: Tensor) throws {
        examples = x.shape.first ?? 0
        (fixed, gathered, gatheredRows, carried) = ([:], [:], [], [:])
        parts = [:]
        for q in model.inputParts.indices where q != part { parts[q] = try model.inputPart(q, of: x) }
        try withNoGrad {
            var context = ForwardContext(training: false)
            for (i, n) in model.nodes.enumerated() where !stepped[i] {
                let ins = n.inputs.indices.map { fixedInput(n, $0) }
                let (y, states) = try model.run(n, ins, context: &context)
                fixed[i] = (y, context.mask, states)
            }
        }
    }

    /// Input `j` of a fixed node: an input part sliced from `x`, or an earlier fixed node's value.
    func fixedInput(_ n: Model.Node, _ j: Int) -> (Tensor, Tensor?) {
        let (k, port) = (n.inputs[j], n.inputPorts[j])
        if k < -1 { return (parts[-2 - k]!, nil) }
        let v = fixed[k]!
        return port == 0 ? (v.output, v.mask) : (v.states[port - 1], nil)
    }

    /// Runs one step: `input` `[rows, 1, …]` is the stepped part's next step; row i continues
    /// example `rows[i]` and, after the first step, row `parents[i]` of the previous step (nil: the
    /// first step, recurrent nodes start from their given initial states or zeros). Returns the
    /// model's output for this step, `[rows, 1, …]`.
    public func step(_ input: Tensor, rows: [Int], parents: [Int]?) throws -> Tensor {
        guard input.shape.first == rows.count, parents.map({ $0.count == rows.count }) ?? true,
            rows.allSatisfy({ $0 >= 0 && $0 < examples })
        else {
            throw CannotStep(
                description:
                    "step: \(input.shape.first ?? 0) rows, \(rows.count) examples, parents \(parents?.count ?? 0)")
        }
        if rows != gatheredRows { (gathered, gatheredRows) = ([:], rows) }
        let rowIndex = Tensor(rows.map(Float.init))
        let parentIndex = parents.map { Tensor($0.map(Float.init)) }
        return try withNoGrad {
            var context = ForwardContext(training: false)
            var values: [Int: (Tensor, Tensor?)] = [:]
            for (i, n) in model.nodes.enumerated() where stepped[i] {
                let ins = try n.inputs.indices.map { j -> (Tensor, Tensor?) in
                    let k = n.inputs[j]
                    if k == -2 - part { return (input, nil) }
                    if k >= 0 && stepped[k] { return values[k]! }
                    return try gatheredInput(n, i, j, rows: rowIndex)
                }
                let recurrent = n.layer.stepping == .recurrent
                var initial: [Tensor]?
                if recurrent, let parentIndex, let states = carried[i] {
                    initial = try states.map { try $0.gather(indices: parentIndex) }
                }
                let (y, states) = try model.run(n, ins, initialState: initial, context: &context)
                if recurrent { carried[i] = states }
                values[i] = (y, context.mask)
            }
            return values[model.nodes.count - 1]!.0
        }
    }

    /// Input `j` of stepped node `i` that is fixed: its value (and mask) for the current rows.
    func gatheredInput(_ n: Model.Node, _ i: Int, _ j: Int, rows: Tensor) throws -> (Tensor, Tensor?) {
        if let g = gathered[[i, j]] { return g }
        let (v, m) = fixedInput(n, j)
        let g = (try v.gather(indices: rows), try m?.gather(indices: rows))
        gathered[[i, j]] = g
        return g
    }
}
