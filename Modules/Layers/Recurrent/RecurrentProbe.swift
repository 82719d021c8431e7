/// Collects BPTT diagnostics from recurrent layers whose forward context carries it.
///
/// For each recorded batch and recurrent layer: the norm of `∂L/∂h_t` at every time step (in
/// processing order; step 0 is the first step the layer reads), and per gate the share of
/// units within 0.02 of their limits (sigmoid near 0 or 1, tanh near ±1) — saturated units pass
/// almost no gradient. Costs nothing when absent.
///
/// ```swift
/// let lstm = try LSTM(units: 16)
/// var rng = SeededGenerator(seed: 1)
/// try lstm.build(inputShape: [50, 4], rng: &rng)
/// let probe = RecurrentProbe()
/// var ctx = ForwardContext(training: true)
/// ctx.probe = probe
/// let h = try lstm.forward(x, context: &ctx)                  // x [batch, 50, 4]
/// _ = try gradients(of: h.sum(), wrt: [lstm.kernel.value])    // BPTT records ‖∂L/∂h_t‖
/// let r = probe.drain()[0]   // r.gradientNorms: 50 values; r.saturation["forget"]: share near 0 or 1
/// ```
public final class RecurrentProbe {
    /// One layer's figures for one batch.
    public struct Record: Equatable {
        public var layer: String
        /// ‖∂L/∂h_t‖ over the batch, for every step t.
        public var gradientNorms: [Float]
        /// Gate name → share of saturated units.
        public var saturation: [String: Float]
    }

    private var forward: [String: [String: Float]] = [:]
    public private(set) var records: [Record] = []
    public init() {}

    func recordSaturation(layer: String, _ s: [String: Float]) { forward[layer] = s }

    func recordGradients(layer: String, _ norms: [Float]) {
        records.append(Record(layer: layer, gradientNorms: norms, saturation: forward[layer] ?? [:]))
    }

    /// Returns and clears what was recorded.
    public func drain() -> [Record] {
        defer {
            records = []
            forward = [:]
        }
        return records
    }
}

/// Which saved activations are gates, for saturation statistics.
public struct GateSlot: Sendable {
    public enum Kind: Sendable { case sigmoid, tanh }
    public var name: String
    /// H-sized slot in the saved activations; -1 means the hidden state itself.
    public var slot: Int
    public var kind: Kind
    public init(name: String, slot: Int, kind: Kind) {
        self.name = name
        self.slot = slot
        self.kind = kind
    }

    /// Whether a value is within 0.02 of the activation's limits.
    @inline(__always) func saturated(_ v: Float) -> Bool {
        kind == .sigmoid ? (v < 0.02 || v > 0.98) : (v < -0.98 || v > 0.98)
    }
}
