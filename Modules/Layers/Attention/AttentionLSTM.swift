import Tensors

/// An LSTM decoder that attends over a memory (the encoder's outputs) at every step and feeds
/// its attentional vector back into the next step's input: Luong et al.'s (2015) attentional
/// decoder with input feeding, or, with `score: additive`, a Bahdanau-style decoder whose
/// recurrence sees what it attended to.
///
/// ```
/// x̂_t = [x_t ; h̃_{t−1}]                                  (input feeding; h̃_0 = 0)
/// [i f g o] = x_t · kernel + h̃_{t−1} · feed_kernel + h_{t−1} · recurrent_kernel + bias
/// i, f, o = σ(·)   g = tanh(·)   c_t = f ⊙ c_{t−1} + i ⊙ g   h_t = o ⊙ tanh(c_t)
/// a_tj = softmax_j(score(h_t, m_j))       (memory steps whose mask is 0 get weight 0; `Attention`)
/// ctx_t = Σ_j a_tj m_j
/// h̃_t = tanh([h_t ; ctx_t] · attention_kernel)            (the output at step t)
/// ```
/// Inputs in a graph: the sequence `[batch, time, features]`, the memory `[batch, S, units]`
/// (with its mask), then optionally the initial `h` and `c` `[batch, units]` (an encoder's final
/// states). Output `[batch, time, attention_units]` with the sequence's mask; at a masked step the
/// states and the output carry over from the step before. States `h`, `c` `[batch, units]` and
/// `attention` `[batch, attention_units]` (h̃ of the last step).
///
/// Parameters: `kernel [features, 4·units]`, `feed_kernel [attention_units, 4·units]` and
/// `attention_kernel [2·units, attention_units]` Glorot uniform, `recurrent_kernel [units,
/// 4·units]` orthogonal, `bias [4·units]` zeros with the forget block 1, and the score's
/// (`Attention`: none for `dot`, `[units, units]` for `general`). The time loop is tensor ops, so
/// the backward comes from the ops (BPTT through the attention and the fed-back h̃).
/// `dropout` drops input features (one mask per sequence, shared by all steps, as LSTM's).
///
/// ```swift
/// let dec = try AttentionLSTM(units: 8)
/// var rng = SeededGenerator(seed: 1)
/// try dec.build(inputShapes: [[5, 4], [7, 8]], rng: &rng)   // [time, features], memory [S, units]
/// var ctx = ForwardContext(training: false)
/// let (y, states) = try dec.forwardWithStates(x, memories: [(m, mMask)], initialState: nil, context: &ctx)
/// // y [batch, 5, 8]; states [h, c, attention]
/// ```
public final class AttentionLSTM: ReadsMemory, ExposesAttentionWeights {
    public struct Config: LayerConfig {
        /// Hidden size H of the LSTM; the memory's features must be H too.
        public var units = 1
        /// Size A of the attentional vector h̃ (the output); 0: `units`.
        public var attentionUnits = 0
        /// How a decoder step and a memory step are scored (`Attention`'s scores).
        public var score = Attention.Score.dot
        /// Divide dot scores by √H.
        public var scale = false
        /// Feed h̃_{t−1} into step t's input (Luong's input feeding); off, the recurrence does not
        /// see the attention (the attention only shapes the output).
        public var inputFeeding = true
        /// Dropout rate on the input features (one mask per sequence).
        public var dropout: Float = 0
        /// Initialise the forget-gate bias to 1, as LSTM does.
        public var unitForgetBias = true
        public init() {}
        public static var requiredFields: [String] { ["units"] }
    }

    public static let typeName = "AttentionLSTM"
    public var name: String {
        didSet { attention.name = "\(name).attention" }
    }
    public let config: Config
    /// `[features, 4·units]`.
    public let kernel = Parameter()
    /// `[attention_units, 4·units]` (input feeding only).
    public let feedKernel = Parameter()
    /// `[units, 4·units]`.
    public let recurrentKernel = Parameter()
    /// `[4·units]`.
    public let bias = Parameter()
    /// `[2·units, attention_units]`: h̃ = tanh([h ; ctx] · attention_kernel).
    public let attentionKernel = Parameter()
    /// The score (its parameters are `<name>.attention.*`).
    public let attention: Attention
    /// The attention weights `[batch, time, S]` of the last inference call (for `trace`).
    public private(set) var lastWeights: Tensor?

    public init(config: Config, name: String = "") throws {
        guard config.units > 0 else {
            throw LayerError.config(layer: name, field: "units", message: "must be positive, got \(config.units)")
        }
        try Parameter.checkRecurrentKernelSize(units: config.units, gates: 4, layer: name)
        guard config.attentionUnits >= 0 else {
            throw LayerError.config(
                layer: name, field: "attention_units", message: "must be ≥ 0 (0: units), got \(config.attentionUnits)")
        }
        guard config.dropout >= 0 && config.dropout < 1 else {
            throw LayerError.config(layer: name, field: "dropout", message: "must be in [0, 1), got \(config.dropout)")
        }
        self.config = config
        self.name = name
        var a = Attention.Config()
        (a.score, a.scale) = (config.score, config.scale)
        attention = try Attention(config: a, name: "\(name).attention")
    }

    public convenience init(units: Int, score: Attention.Score = .dot, name: String = "") throws {
        var c = Config()
        (c.units, c.score) = (units, score)
        try self.init(config: c, name: name)
    }

    var attentionSize: Int { config.attentionUnits > 0 ? config.attentionUnits : config.units }
    public var memoryInputCount: Int { 1 }
    public var stateNames: [String] { ["h", "c", "attention"] }
    public func stateShapes(for inputShape: [Int]) throws -> [[Int]] {
        [[config.units], [config.units], [attentionSize]]
    }
    /// A graph gives `h` and `c` (h̃ starts at zero); step-by-step decoding carries all three.
    public var initialStateCount: Int { 2 }
    /// Step t reads input step t, the states after step t − 1 and the whole memory.
    public var stepping: Stepping { .recurrent }

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] {
        guard shapes.count == 2, shapes[0].count == 2, shapes[1].count == 2 else {
            throw LayerError.shape(
                layer: name,
                message:
                    "takes a sequence [batch, time, features] and a memory [batch, S, \(config.units)], given \(shapes.map(Attention.render).joined(separator: " and "))"
            )
        }
        guard shapes[1][1] == config.units else {
            throw LayerError.shape(
                layer: name,
                message:
                    "the memory's features must equal units (\(config.units)) for the score, given \(Attention.render(shapes[1]))"
            )
        }
        return [shapes[0][0], attentionSize]
    }

    public func build(inputShapes: [[Int]], rng: inout SeededGenerator) throws {
        _ = try outputShape(forInputs: inputShapes)
        let (f, h, a) = (inputShapes[0][1], config.units, attentionSize)
        guard let g = MemoryBudget.elementCount([4, h]) else {
            throw LayerError.config(layer: name, field: "units", message: "\(h) is too large")
        }
        try kernel.initialize([f, g], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        if config.inputFeeding {
            try feedKernel.initialize([a, g], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        }
        try recurrentKernel.initialize([h, g], layer: name) { try Tensor.orthogonal($0, using: &rng) }
        try bias.initialize([g], layer: name) { _ in
            LSTM.initialBias(units: h, unitForgetBias: config.unitForgetBias)
        }
        try attentionKernel.initialize([2 * h, a], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        try attention.build(inputShape: [1, h], rng: &rng)
    }

    public func workingScalars(inputShape: [Int]) -> Int {
        // per step: the projected input, gates and their activations, c, h, scores, context, h̃
        MemoryBudget.elementCount([inputShape.first ?? 1, 16 * config.units + 4 * attentionSize]) ?? .max
    }

    public func forwardWithStates(
        _ input: Tensor, memories: [(value: Tensor, mask: Tensor?)], initialState: [Tensor]?,
        context: inout ForwardContext
    ) throws -> (output: Tensor, states: [Tensor]) {
        guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
        guard memories.count == 1, input.rank == 3, memories[0].value.rank == 3 else {
            throw LayerError.shape(layer: name, message: needsMemory)
        }
        let (memory, memoryMask) = memories[0]
        _ = try outputShape(forInputs: [Array(input.shape.dropFirst()), Array(memory.shape.dropFirst())])
        let (b, steps, h, a) = (input.shape[0], input.shape[1], config.units, attentionSize)
        guard memory.shape[0] == b else {
            throw LayerError.shape(layer: name, message: "the memory has \(memory.shape[0]) examples, the input \(b)")
        }
        var state = try startingStates(initialState, batch: b)
        let mask = context.mask
        var x = input
        if context.training && config.dropout > 0 {
            x = try x * Dropout.mask([b, 1, x.shape[2]], rate: config.dropout, rng: &context.rng)
        }
        // x·W + b for every step in one product, cut into steps by one op (one backward pass)
        let projected = try x.matmulLastAxis(kernel.value, bias: bias.value)  // [B, T, 4H]
        let perStep = steps > 0 ? try projected.split(sizes: Array(repeating: 1, count: steps), axis: 1) : []
        // the mask and its complement per step, [B, 1] each, cut once
        let maskPerStep = try mask.map { m in
            (
                try m.split(sizes: Array(repeating: 1, count: steps), axis: 1),
                try m.mapElements { 1 - $0 }.split(sizes: Array(repeating: 1, count: steps), axis: 1)
            )
        }
        // the memory as every step's score reads it (projected and masked once)
        let keys = try attention.keys(memory, valueMask: memoryMask)
        // [h ; h̃] · [recurrent_kernel ; feed_kernel]: one product a step for both
        let stateKernel =
            config.inputFeeding
            ? try Tensor.concat([recurrentKernel.value, feedKernel.value], axis: 0) : recurrentKernel.value
        var outputs: [Tensor] = []
        var weights: [Tensor] = []
        for t in 0..<steps {
            var z = try perStep[t].reshaped([b, 4 * h])
            let fedBack = config.inputFeeding ? try Tensor.concat([state[0], state[2]], axis: 1) : state[0]
            z = try z + Tensor.matmul(fedBack, stateKernel)
            let gate = try z.split(sizes: [h, h, h, h], axis: 1)
            let c = try gate[1].sigmoid() * state[1] + gate[0].sigmoid() * gate[2].tanh()
            let hNew = try gate[3].sigmoid() * c.tanh()
            let ctx = try attention.attend(hNew.reshaped([b, 1, h]), keys, context: &context).reshaped([b, h])
            let feed = try Tensor.matmul(Tensor.concat([hNew, ctx], axis: 1), attentionKernel.value).tanh()
            var next = [hNew, c, feed]
            if let (real, padded) = maskPerStep {  // a masked step carries the states (and so the output) over
                next = try zip(next, state).map { new, old in try new * real[t] + old * padded[t] }
            }
            state = next
            outputs.append(state[2])
            if !context.training, let w = attention.lastWeights { weights.append(w) }
        }
        if !context.training, weights.count == steps, steps > 0 { lastWeights = try Tensor.concat(weights, axis: 1) }
        let output = steps > 0 ? try Tensor.stack(outputs, axis: 1) : Tensor.zeros([b, 0, a])
        context.mask = mask
        return (output, state)
    }

    /// `h`, `c` and h̃ to start from: the given ones (2 from a graph, 3 when stepping), zeros for
    /// the rest.
    func startingStates(_ given: [Tensor]?, batch b: Int) throws -> [Tensor] {
        let shapes = [[b, config.units], [b, config.units], [b, attentionSize]]
        let g = given ?? []
        guard g.count == 0 || g.count == 2 || g.count == 3 else {
            throw LayerError.shape(layer: name, message: "takes 2 initial states (h, c), given \(g.count)")
        }
        for (k, s) in g.enumerated() where s.shape != shapes[k] {
            throw LayerError.shape(
                layer: name, message: "initial state \(stateNames[k]) must be \(shapes[k]), given \(s.shape)")
        }
        return shapes.indices.map { k in k < g.count ? g[k] : Tensor.zeros(shapes[k]) }
    }
}
