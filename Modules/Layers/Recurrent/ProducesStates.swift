import Tensors

/// A layer whose call also gives its final states, which graph nodes read as `<node>.<state>`
/// (`enc.h`, `enc.c`), and which may start from initial states given as further inputs (Keras's
/// `return_state` and `initial_state`; the encoder–decoder hand-over).
///
/// Recurrent layers have states `h` (and `c` for LSTM), each `[batch, units]`, and take as many
/// initial states; `Bidirectional` has `forward_h`, `backward_h` (and `forward_c`, `backward_c`)
/// and takes none. Gradients flow through both the states read and the initial states given.
/// A plugin recurrent layer conforms with one line: `extension MyGRU: ProducesStates {}`.
///
/// ```swift
/// let lstm = try LSTM(units: 8)
/// let (out, states) = try lstm.forwardWithStates(x, initialState: nil, context: &ctx)   // states: [h, c]
/// ```
public protocol ProducesStates: Layer {
    /// The states' names, in the order `forwardWithStates` returns them.
    var stateNames: [String] { get }
    /// Each state's per-example shape.
    func stateShapes(for inputShape: [Int]) throws -> [[Int]]
    /// How many initial states the layer takes as inputs after its sequence (0: none).
    var initialStateCount: Int { get }
    /// The output and the final states, from `initialState` when given (else zeros).
    func forwardWithStates(_ input: Tensor, initialState: [Tensor]?, context: inout ForwardContext) throws -> (
        output: Tensor, states: [Tensor]
    )
}

extension ProducesStates where Self: RecurrentLayer {
    public var stateNames: [String] { cell.hasCellState ? ["h", "c"] : ["h"] }
    public func stateShapes(for inputShape: [Int]) throws -> [[Int]] {
        Array(repeating: [config.units], count: stateNames.count)
    }
    public var initialStateCount: Int { stateNames.count }
    public func forwardWithStates(_ input: Tensor, initialState: [Tensor]?, context: inout ForwardContext) throws
        -> (output: Tensor, states: [Tensor])
    {
        let r = try call(input, initialState: initialState, context: &context)
        return (r.output, r.states)
    }
}

extension SimpleRNN: ProducesStates {}
extension LSTM: ProducesStates {}
extension GRU: ProducesStates {}

extension Bidirectional: ProducesStates {
    public var stateNames: [String] {
        let inner = forwardLayer.cell.hasCellState ? ["h", "c"] : ["h"]
        return inner.map { "forward_\($0)" } + inner.map { "backward_\($0)" }
    }
    public func stateShapes(for inputShape: [Int]) throws -> [[Int]] {
        Array(repeating: [forwardLayer.config.units], count: stateNames.count)
    }
    public var initialStateCount: Int { 0 }
    public func forwardWithStates(_ input: Tensor, initialState: [Tensor]?, context: inout ForwardContext) throws
        -> (output: Tensor, states: [Tensor])
    {
        guard initialState?.isEmpty ?? true else {
            throw LayerError.shape(layer: name, message: "takes no initial state")
        }
        let (out, f, b) = try runBothWays(input, context: &context)
        return (out, f.states + b.states)
    }
}
