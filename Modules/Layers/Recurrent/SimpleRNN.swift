import Tensors

/// Fully recurrent layer (Elman network), the notes' `h_t = f(U x_t + W h_{t−1} + b)`:
/// ```
/// h_t = f(x_t · kernel + h_{t−1} · recurrent_kernel + bias)      f = tanh (default), relu or sigmoid
/// ```
/// Shapes: `[batch, time, features] → [batch, units]`, or `[batch, time, units]` with
/// `returnSequences`. Parameters (Keras layout and initialisers): `kernel [features, units]`
/// Glorot uniform, `recurrent_kernel [units, units]` orthogonal, `bias [units]` zeros —
/// `units·(features + units + 1)` in all (SimpleRNN(100) on 300-d inputs: 40,100).
///
/// ```swift
/// let rnn = try SimpleRNN(units: 100)                      // many-to-one
/// let tagger = try SimpleRNN(units: 64, returnSequences: true)   // many-to-many
/// ```
public final class SimpleRNN: RecurrentLayer {
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
        /// `tanh`, `relu` or `sigmoid`.
        public var activation = ActivationKind.tanh
        public init() {}
        public static var requiredFields: [String] { ["units"] }
    }

    public static let typeName = "SimpleRNN"
    public var name: String
    public let config: Config
    public let cell: SimpleRNNCell
    /// `[features, 1·units]`.
    public let kernel = Parameter()
    /// `[units, 1·units]`.
    public let recurrentKernel = Parameter()
    /// `[1·units]`.
    public let bias = Parameter()
    public var recurrentBiasParameter: Parameter? { nil }
    public let carried = CarriedState()

    public init(config: Config, name: String = "") throws {
        try Self.validate(config, gates: 1, name: name)
        guard [.tanh, .relu, .sigmoid].contains(config.activation) else {
            throw LayerError.config(
                layer: name, field: "activation",
                message: "must be tanh, relu or sigmoid, got \(config.activation.rawValue)")
        }
        self.config = config
        self.name = name
        cell = SimpleRNNCell(activation: config.activation)
    }

    public convenience init(
        units: Int, activation: ActivationKind = .tanh, returnSequences: Bool = false, goBackwards: Bool = false,
        stateful: Bool = false, name: String = ""
    ) throws {
        var c = Config()
        c.units = units
        c.activation = activation
        c.returnSequences = returnSequences
        c.goBackwards = goBackwards
        c.stateful = stateful
        try self.init(config: c, name: name)
    }
}
