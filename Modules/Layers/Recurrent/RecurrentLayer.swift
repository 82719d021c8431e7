import Tensors

/// Fields every recurrent layer's config has (Keras names in snake_case in spec files).
public protocol RecurrentLayerConfig: LayerConfig {
    /// Hidden size H.
    var units: Int { get }
    /// Return the state after every step `[batch, time, H]` instead of the last `[batch, H]`.
    var returnSequences: Bool { get }
    /// Also return the final states from `call` (`[h]`, or `[h, c]` for LSTM).
    var returnState: Bool { get }
    /// Process the sequence last step first (the output sequence is then in reverse order, as in Keras).
    var goBackwards: Bool { get set }
    /// Carry the final state of one batch into the next as its initial state (`resetStates()` clears it).
    var stateful: Bool { get }
    /// Dropout rate on the inputs (one mask per sequence, shared by all steps).
    var dropout: Float { get }
    /// Dropout rate on `h_{t−1}` before the recurrent product (one mask per sequence).
    var recurrentDropout: Float { get }
    /// Truncated BPTT: gradients flow back at most through chunks of this many steps (0 = full BPTT).
    var bpttSteps: Int { get }
}

/// The result of `call`: the output and the final states (`[h]` or `[h, c]`).
public struct RecurrentOutput {
    public var output: Tensor
    public var states: [Tensor]
}

/// What a recurrent layer keeps between calls: the final states of a stateful layer, and at
/// inference its input projection of a whole `Embedding` table (`LookupProjectionCache`).
public final class CarriedState {
    /// The final states of the last batch, `[h]` or `[h, c]` (stateful layers only).
    public internal(set) var states: [Tensor] = []
    /// `table · W + b` for the preceding `Embedding`'s table, while neither changes (no tape).
    public let projection = LookupProjectionCache()
    public init() {}
}

/// A recurrent layer: input projection in one GEMM (`x·W + b`, tensor ops; once per distinct
/// token when the input is an `Embedding`'s output), then the fused time loop (`RecurrentKernel`)
/// for its `Cell`. SimpleRNN, LSTM and GRU differ only in the cell,
/// the gate count and the bias initialisation.
///
/// ```swift
/// let lstm = try LSTM(units: 64)
/// var rng = SeededGenerator(seed: 1)
/// try lstm.build(inputShape: [10, 8], rng: &rng)
/// var ctx = ForwardContext(training: false)
/// let out = try lstm.call(x, initialState: [h0, c0], context: &ctx)   // x [batch, 10, 8]; h0, c0 [batch, 64]
/// // out.output [batch, 64]; out.states = [h_T, c_T]
/// ```
public protocol RecurrentLayer: Layer where Config: RecurrentLayerConfig {
    associatedtype Cell: RecurrentCell
    /// The pointwise cell math.
    var cell: Cell { get }
    /// Input kernel `[features, gates·H]`.
    var kernel: Parameter { get }
    /// Recurrent kernel `[H, gates·H]`.
    var recurrentKernel: Parameter { get }
    /// Input bias `[gates·H]`.
    var bias: Parameter { get }
    /// Recurrent bias `[gates·H]` (GRU only), else nil.
    var recurrentBiasParameter: Parameter? { get }
    /// States carried across batches when `stateful`.
    var carried: CarriedState { get }
    /// Initial bias values `[gates·H]` (LSTM sets the forget block to 1).
    func initialBias() -> Tensor
}

extension RecurrentLayer {
    public func initialBias() -> Tensor { Tensor.zeros([cell.gates * config.units]) }

    /// Forwards in time with every step's output: step by step, carrying its states (a
    /// backwards, stateful or last-step-only layer needs the whole sequence).
    public var stepping: Stepping {
        config.goBackwards || config.stateful || !config.returnSequences ? .whole : .recurrent
    }

    /// The fused time loop keeps, per example and step, the projected inputs and the gates
    /// (`gates·H` each) and the states (`h`, and `c` for LSTM): `T·H·(2·gates + 2)`.
    public func workingScalars(inputShape: [Int]) -> Int {
        let steps = inputShape.first ?? 1
        let h = config.units
        let g = cell.gates
        return MemoryBudget.elementCount([steps, h, 2 * g + 2]) ?? .max
    }

    /// Checks the shared config fields, and that the recurrent kernel `[units, gates·units]` could
    /// be trained here (`Parameter.checkConfigSize`); call from `init(config:name:)`.
    static func validate(_ c: Config, gates: Int, name: String) throws {
        guard c.units > 0 else {
            throw LayerError.config(layer: name, field: "units", message: "must be positive, got \(c.units)")
        }
        try Parameter.checkRecurrentKernelSize(units: c.units, gates: gates, layer: name)
        guard c.dropout >= 0 && c.dropout < 1 else {
            throw LayerError.config(layer: name, field: "dropout", message: "must be in [0, 1), got \(c.dropout)")
        }
        guard c.recurrentDropout >= 0 && c.recurrentDropout < 1 else {
            throw LayerError.config(
                layer: name, field: "recurrent_dropout", message: "must be in [0, 1), got \(c.recurrentDropout)")
        }
        guard c.bpttSteps >= 0 else {
            throw LayerError.config(
                layer: name, field: "bptt_steps", message: "must be ≥ 0 (0 = full BPTT), got \(c.bpttSteps)")
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2 else {
            throw LayerError.shape(
                layer: name,
                message: "expects [batch, time, features] but got [batch\(inputShape.map { ", \($0)" }.joined())]")
        }
        return config.returnSequences ? [inputShape[0], config.units] : [config.units]
    }

    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        _ = try outputShape(for: inputShape)
        let (F, H, G) = (inputShape[1], config.units, cell.gates)
        guard let gatesWidth = MemoryBudget.elementCount([G, H]) else {
            throw LayerError.config(layer: name, field: "units", message: "\(H) is too large")
        }
        try kernel.initialize([F, gatesWidth], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        try recurrentKernel.initialize([H, gatesWidth], layer: name) { try Tensor.orthogonal($0, using: &rng) }
        try bias.initialize([gatesWidth], layer: name) { _ in initialBias() }
        try recurrentBiasParameter?.initialize([gatesWidth], layer: name) { Tensor.zeros($0) }
        carried.states = []
    }

    /// Clears the carried state of a stateful layer, or sets it to `states`
    /// (`[h]` or `[h, c]`, each `[batch, units]`; used as constants, no gradient flows into them).
    public func resetStates(to states: [Tensor]? = nil) throws {
        guard let states else {
            carried.states = []
            return
        }
        let n = cell.hasCellState ? 2 : 1
        guard states.count == n,
            states.allSatisfy({ $0.rank == 2 && $0.shape[1] == config.units && $0.shape == states[0].shape })
        else {
            throw LayerError.shape(
                layer: name,
                message: "states must be \(n) tensor(s) of shape [batch, \(config.units)], got \(states.map(\.shape))")
        }
        carried.states = states.map { $0.detached() }
    }

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        try call(input, initialState: nil, context: &context).output
    }

    /// `x·W + b` for every step at once, `[batch, time, features] → [batch, time, gates·H]`, in
    /// processing order (reversed for `go_backwards`), with input dropout. Straight after an
    /// `Embedding` (its very output, no dropout) each distinct token is projected once: then the
    /// result is `[distinct tokens, gates·H]` with each step's row (`rows`, `[batch·time]`). The same
    /// for one-hot input rows (data, not a computed tensor): each distinct symbol is one row of `W`.
    /// Otherwise, when the mask pads at least a quarter of the positions (`packed`, in processing
    /// order), only the unpadded positions are projected, `[unpadded, gates·H]`, as PyTorch's packed
    /// sequences do: the time loop never reads a padded step's input, and its gradient there is 0.
    func inputProjection(_ input: Tensor, packed: RecurrentPacking?, context: inout ForwardContext) throws -> (
        xproj: Tensor, rows: [Int]?
    ) {
        let dropout = context.training && config.dropout > 0
        if Tensor.fuseLookupProjection, !dropout {
            var source: (table: Tensor, ids: Tensor, cache: LookupProjectionCache?)?
            if let lookup = context.lookup, lookup.output.isSameTensor(as: input) {
                source = (lookup.table, lookup.indices, carried.projection)
            } else if !input.requiresGrad, let ids = input.oneHotIDs() {
                source = (Tensor.oneHotTable(depth: input.shape[2]), ids, nil)
            }
            if let (table, ids, cache) = source,
                let p = try Tensor.projectedLookup(
                    table: table, indices: config.goBackwards ? ids.reversed(axis: 1) : ids,
                    kernel: kernel.value, bias: bias.value, cache: cache)
            {
                return (p.projected, p.rowOfPosition)
            }
        }
        var x = config.goBackwards ? try input.reversed(axis: 1) : input
        if dropout {
            x = try x * Dropout.mask([input.shape[0], 1, x.shape[2]], rate: config.dropout, rng: &context.rng)
        }
        if let packed {
            let rows = try x.reshaped([packed.row.count, x.shape[2]]).gather(
                indices: Tensor(packed.kept.map(Float.init)))
            return (try rows.matmulLastAxis(kernel.value, bias: bias.value), packed.row.map { max($0, 0) })
        }
        return (try x.matmulLastAxis(kernel.value, bias: bias.value), nil)
    }

    /// Runs the layer on `[batch, time, features]`, optionally from given initial states
    /// (`[h0]`, or `[h0, c0]` for LSTM, each `[batch, H]`; gradients flow into them).
    public func call(_ input: Tensor, initialState: [Tensor]? = nil, context: inout ForwardContext) throws
        -> RecurrentOutput
    {
        guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 3, input.shape[2] == kernel.shape[0] else {
            throw LayerError.shape(
                layer: name, message: "expects [batch, time, \(kernel.shape[0])] but got \(input.shape)")
        }
        let (B, T, H) = (input.shape[0], input.shape[1], config.units)
        guard T > 0 else {
            throw LayerError.shape(layer: name, message: "the sequence has no time steps (input \(input.shape))")
        }
        var mask = context.mask
        if let m = mask, m.shape != [B, T] {
            throw LayerError.shape(layer: name, message: "mask has shape \(m.shape) but the input is [\(B), \(T), …]")
        }
        if config.goBackwards { mask = try mask?.reversed(axis: 1) }
        let packed = RecurrentKernel<Cell>.packedRows(mask, total: B * T)
        let (xproj, xprojRows) = try inputProjection(input, packed: packed, context: &context)

        let nStates = cell.hasCellState ? 2 : 1
        var initial: [Tensor]
        if let given = initialState {
            guard given.count == nStates, given.allSatisfy({ $0.shape == [B, H] }) else {
                throw LayerError.shape(
                    layer: name,
                    message:
                        "initial state must be \(nStates) tensor(s) of shape [\(B), \(H)], got \(given.map(\.shape))")
            }
            initial = given
        } else if config.stateful, carried.states.count == nStates {
            guard carried.states[0].shape == [B, H] else {
                throw LayerError.shape(
                    layer: name,
                    message:
                        "stateful layer carried a state for batch \(carried.states[0].shape[0]) but got batch \(B); use a fixed batch size or resetStates()"
                )
            }
            initial = carried.states
        } else {
            initial = Array(repeating: Tensor.zeros([B, H]), count: nStates)
        }

        var k = RecurrentKernel(cell: cell, units: H)
        k.mask = mask
        k.packed = packed
        k.bpttSteps = config.bpttSteps
        k.probe = context.probe
        k.layerName = name
        if context.training && config.recurrentDropout > 0 {
            k.recurrentMask = Dropout.mask([B, H], rate: config.recurrentDropout, rng: &context.rng)
        }
        let (hs, cLast) = k.run(
            xproj: xproj, xprojRows: xprojRows, R: recurrentKernel.value, recBias: recurrentBiasParameter?.value,
            h0: initial[0], c0: cell.hasCellState ? initial[1] : nil)
        let hLast = try hs.slice(axis: 1, start: T - 1, length: 1).reshaped([B, H])
        let states = [hLast] + (cLast.map { [$0] } ?? [])
        if config.stateful { carried.states = states.map { $0.detached() } }
        if config.returnSequences {
            context.mask = mask
            return RecurrentOutput(output: hs, states: states)
        }
        context.mask = nil
        return RecurrentOutput(output: hLast, states: states)
    }
}
