import Tensors

/// Gated recurrent unit (Cho et al.), Keras's default variant (`reset_after: true`), gate order `z, r, h̃`:
/// ```
/// [x_z x_r x_h] = x_t · kernel + bias            [r_z r_r r_h] = h_{t−1} · recurrent_kernel + recurrent_bias
/// z = σ(x_z + r_z)   r = σ(x_r + r_r)   n = tanh(x_h + r ⊙ r_h)   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ n
/// ```
/// Shapes: `[batch, time, features] → [batch, units]` (or `[batch, time, units]`).
/// Parameters: `kernel [features, 3·units]` Glorot uniform, `recurrent_kernel [units, 3·units]`
/// orthogonal, `bias [3·units]` and `recurrent_bias [3·units]` zeros (Keras stores these two as one
/// `[2, 3·units]` bias) — `3·units·(features + units + 2)` in all, equal to Keras.
///
/// ```swift
/// let gru = try GRU(units: 32, returnSequences: true)
/// ```
public final class GRU: RecurrentLayer {
    public struct Config: RecurrentLayerConfig {
        /// Hidden size H.
        public var units = 1
        public var returnSequences = false
        public var returnState = false
        public var goBackwards = false
        public var stateful = false
        public var dropout: Float = 0
        public var recurrentDropout: Float = 0
        /// Truncated BPTT chunk length (0 = full).
        public var bpttSteps = 0
        public init() {}
        public static var requiredFields: [String] { ["units"] }
    }

    public static let typeName = "GRU"
    public var name: String
    public let config: Config
    public let cell: GRUCell
    /// `[features, 3·units]`.
    public let kernel = Parameter()
    /// `[units, 3·units]`.
    public let recurrentKernel = Parameter()
    /// `[3·units]`.
    public let bias = Parameter()
    /// `[3·units]`, added to `h_{t−1}·recurrent_kernel` inside the reset gate.
    public let recurrentBias = Parameter()
    public var recurrentBiasParameter: Parameter? { recurrentBias }
    public let carried = CarriedState()

    public init(config: Config, name: String = "") throws {
        try Self.validate(config, gates: 3, name: name)
        self.config = config
        self.name = name
        cell = GRUCell()
    }

    public convenience init(
        units: Int, returnSequences: Bool = false, goBackwards: Bool = false,
        stateful: Bool = false, name: String = ""
    ) throws {
        var c = Config()
        c.units = units
        c.returnSequences = returnSequences
        c.goBackwards = goBackwards
        c.stateful = stateful
        try self.init(config: c, name: name)
    }
}
