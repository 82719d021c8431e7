import Layers
import Tensors

/// Running a built model: the forward pass over its nodes, one node's call, batched prediction.
extension Model {
    /// Runs every node in order. The context's mask after the last node is the output mask (if
    /// any); each node sees the mask of its (first) input, and a merge node all of its inputs'.
    /// With `checkInputShape: false`, sequence inputs may have any length (generation feeds
    /// growing contexts to a model trained on fixed windows).
    public func forward(_ x: Tensor, context: inout ForwardContext, checkInputShape: Bool = true) throws -> Tensor {
        guard !checkInputShape || Array(x.shape.dropFirst()) == inputShape else {
            throw ModelError.shape(
                layer: layers[0].name, index: 0, inputShape: Array(x.shape.dropFirst()), from: "the data",
                underlying:
                    "the model expects examples of shape \(inputShape) but the data has \(Array(x.shape.dropFirst()))")
        }
        if isChain && Model.chainLoop {
            var h = x
            for n in nodes { h = try n.layer.forward(h, context: &context) }
            return h
        }
        return try forward(x, context: &context) { _, _, _ in }
    }

    /// Runs every node in order like `forward`, and hands each node's inputs and output to
    /// `observe` (node index, inputs, output) as it goes — for `trace`, which looks inside.
    public func forward(
        _ x: Tensor, context: inout ForwardContext,
        observe: (_ node: Int, _ inputs: [Tensor], _ output: Tensor) throws -> Void
    ) throws -> Tensor {
        let inputMask = context.mask
        // Each node's output, the mask that goes with it, and its final states (if it has any).
        var values: [(output: Tensor, mask: Tensor?, states: [Tensor])] = []
        values.reserveCapacity(nodes.count)
        // The named parts of a packed input, sliced once.
        var parts: [Int: Tensor] = [:]
        func value(_ k: Int, _ port: Int) throws -> (Tensor, Tensor?) {
            if k == -1 { return (x, inputMask) }
            if k < -1 {
                if let p = parts[k] { return (p, nil) }
                let p = try inputPart(-2 - k, of: x)
                parts[k] = p
                return (p, nil)
            }
            return port == 0 ? (values[k].output, values[k].mask) : (values[k].states[port - 1], nil)
        }
        for (i, n) in nodes.enumerated() {
            let ins = try zip(n.inputs, n.inputPorts).map(value)
            let (y, states) = try run(n, ins, context: &context)
            try observe(i, ins.map(\.0), y)
            values.append((y, context.mask, states))
        }
        return values[values.count - 1].output
    }

    /// Calls node `n`'s layer on its inputs (each with its mask): a merge layer on all of them, a
    /// recurrent node that gives states on its sequence and initial states (`initialState`
    /// replaces the given ones when set), any other layer on its one input. Leaves the output's
    /// mask in `context.mask`; returns the output and the final states (if any).
    func run(_ n: Node, _ ins: [(Tensor, Tensor?)], initialState: [Tensor]? = nil, context: inout ForwardContext)
        throws -> (Tensor, [Tensor])
    {
        if let m = n.layer as? any MultiInputLayer {
            return (try m.forward(ins.map(\.0), masks: ins.map(\.1), context: &context), [])
        }
        context.mask = ins[0].1
        if let d = n.layer as? any ReadsMemory {
            let k = d.memoryInputCount
            let memories = ins.dropFirst().prefix(k).map { (value: $0.0, mask: $0.1) }
            let given = initialState ?? (ins.count > 1 + k ? ins.dropFirst(1 + k).map(\.0) : nil)
            return try d.forwardWithStates(ins[0].0, memories: memories, initialState: given, context: &context)
        }
        if let r = n.layer as? any ProducesStates, !n.stateNames.isEmpty {
            let given = initialState ?? (ins.count > 1 ? ins.dropFirst().map(\.0) : nil)
            let (y, states) = try r.forwardWithStates(ins[0].0, initialState: given, context: &context)
            return (y, states)
        }
        return (try n.layer.forward(ins[0].0, context: &context), [])
    }

    /// Outputs for `x` in batches, without recording anything (inference mode).
    public func predict(_ x: Tensor, batchSize: Int = 256) throws -> Tensor {
        guard batchSize > 0 else { throw ModelError.invalid("batch size must be positive") }
        let n = x.shape.first ?? 0
        return try withNoGrad {
            var parts: [Tensor] = []
            var start = 0
            while start < n {
                let len = min(batchSize, n - start)
                var ctx = ForwardContext(training: false)
                parts.append(try forward(x.slice(axis: 0, start: start, length: len), context: &ctx))
                start += len
            }
            return parts.count == 1 ? parts[0] : try Tensor.concat(parts, axis: 0)
        }
    }

    /// Clears the carried state of every stateful recurrent layer.
    public func resetStates() throws {
        for l in layers { if let r = l as? any RecurrentLayer { try r.resetStates(to: nil) } }
    }

    /// Looks up a layer by name.
    public func layer(named n: String) -> (any Layer)? { layers.first { $0.name == n } }
}
