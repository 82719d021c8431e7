import Tensors

/// Long short-term memory (Hochreiter & Schmidhuber), Keras layout, gate order `i, f, c̃, o`:
/// ```
/// [i f g o] = x_t · kernel + h_{t−1} · recurrent_kernel + bias
/// i, f, o = σ(·)   g = tanh(·)   c_t = f ⊙ c_{t−1} + i ⊙ g   h_t = o ⊙ tanh(c_t)
/// ```
/// Shapes: `[batch, time, features] → [batch, units]` (or `[batch, time, units]`); states `[h, c]`,
/// each `[batch, units]`. Parameters: `kernel [features, 4·units]` Glorot uniform,
/// `recurrent_kernel [units, 4·units]` orthogonal, `bias [4·units]` zeros with the forget block
/// set to 1 (`unit_forget_bias`) — `4·units·(features + units + 1)` in all (LSTM(64) on 128: 49,408).
///
/// ```swift
/// let lstm = try LSTM(units: 64)
/// ```
public final class LSTM: RecurrentLayer {
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
        /// Initialise the forget-gate bias to 1 (Jozefowicz et al.), as Keras does.
        public var unitForgetBias = true
        public init() {}
        public static var requiredFields: [String] { ["units"] }
    }

    public static let typeName = "LSTM"
    public var name: String
    public let config: Config
    public let cell: LSTMCell
    /// `[features, 4·units]`.
    public let kernel = Parameter()
    /// `[units, 4·units]`.
    public let recurrentKernel = Parameter()
    /// `[4·units]`.
    public let bias = Parameter()
    public var recurrentBiasParameter: Parameter? { nil }
    public let carried = CarriedState()

    public init(config: Config, name: String = "") throws {
        try Self.validate(config, gates: 4, name: name)
        self.config = config
        self.name = name
        cell = LSTMCell()
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

    public func initialBias() -> Tensor {
        Self.initialBias(units: config.units, unitForgetBias: config.unitForgetBias)
    }

    /// `[4·units]` zeros, with the forget block (`i, f, c̃, o`: the second) 1 when `unitForgetBias`.
    public static func initialBias(units: Int, unitForgetBias: Bool) -> Tensor {
        Tensor(shape: [4 * units]) { p, n in
            for i in 0..<n { p[i] = (unitForgetBias && i >= units && i < 2 * units) ? 1 : 0 }
        }
    }
}
